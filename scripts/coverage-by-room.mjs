// Line coverage per room (the host, the webview, the CLI, the trainer, shared code, the Node room),
// from the coverage table Node's test runner prints with --experimental-test-coverage. A file no
// test loaded is not in that table: it counts here with none of its lines covered, so a room's
// figure is of all its code, not only of what the tests happened to import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOMS = [
  { name: 'host (src/extension)', match: (path) => path.startsWith('src/extension/') },
  { name: 'webview', match: (path) => path.startsWith('webview/') },
  { name: 'CLI (src/trainer/cli*)', match: (path) => path === 'src/trainer/cli.ts' || path.startsWith('src/trainer/cli/') },
  { name: 'trainer (the rest)', match: (path) => path.startsWith('src/trainer/') },
  { name: 'shared (src/shared)', match: (path) => path.startsWith('src/shared/') },
  { name: 'Node room (src/node)', match: (path) => path.startsWith('src/node/') },
];

function sources(dir, found = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, found);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** `ℹ src/x.ts | 83.5 | …` rows of the report, as path → line coverage in percent. */
export function reportedLineCoverage(output) {
  const covered = new Map();
  for (const line of output.split('\n')) {
    const row = /^[ℹ#]\s+(\S+\.ts)\s+\|\s+([\d.]+)\s+\|/.exec(line);
    if (row) covered.set(row[1], Number(row[2]));
  }
  return covered;
}

export function roomCoverage(output, root = process.cwd()) {
  const reported = reportedLineCoverage(output);
  const files = [...sources(join(root, 'src')), ...sources(join(root, 'webview'))].map((path) => relative(root, path).split('\\').join('/'));
  return ROOMS.map((room, index) => {
    const mine = files.filter((path) => room.match(path) && !ROOMS.slice(0, index).some((earlier) => earlier.match(path)));
    let lines = 0;
    let covered = 0;
    for (const path of mine) {
      const count = readFileSync(join(root, path), 'utf8').split('\n').length;
      lines += count;
      covered += (count * (reported.get(path) ?? 0)) / 100;
    }
    return { room: room.name, files: mine.length, loaded: mine.filter((path) => reported.has(path)).length, percent: lines ? (100 * covered) / lines : 0 };
  });
}

export function roomCoverageText(output) {
  const rows = roomCoverage(output).map(
    ({ room, files, loaded, percent }) => `  ${room.padEnd(26)} ${percent.toFixed(1).padStart(5)}% of lines (${loaded} of ${files} files loaded by a test)`,
  );
  return `line coverage by room, from the unit tests (integration tests run apart, without coverage; e2e and the Chromium panel tests drive the host and the panel in other processes):\n${rows.join('\n')}\n`;
}
