// Runs test files with Node's test runner (TypeScript through tsx). Node 20's --test takes no
// globs, so the files are collected here. Pass folders or files to run a subset: `unit integration`,
// `e2e/panel.e2e.test.ts`.
//
// End-to-end runs (any path under e2e) also:
// - start from an empty test/e2e/artifacts/, so what is there afterwards belongs to this run;
// - print a summary line of scenarios passed, failed and retried, and fail when any scenario needed
//   a retry: a retry may tell a flaky scenario from a broken one, but it never turns a run green;
// - with `--repeat N [--grep PATTERN]`, run the scenarios whose names match PATTERN N times in a
//   row with no retries at all, and print each scenario's pass count (`npm run test:e2e -- --repeat
//   10 --grep SIGKILL`).
import { spawn, spawnSync } from 'node:child_process';
import { roomCoverageText } from './coverage-by-room.mjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { repeat: { type: 'string' }, grep: { type: 'string' } },
});
const roots = positionals.length ? positionals.map((r) => join('test', r)) : ['test/unit', 'test/integration'];
const e2e = roots.some((root) => root.split(/[\\/]/).includes('e2e'));
if ((options.repeat !== undefined || options.grep !== undefined) && !e2e) {
  console.error('--repeat and --grep are for e2e runs: node scripts/run-tests.mjs e2e --repeat 10 --grep PATTERN');
  process.exit(2);
}

const files = [];
const walk = (dir) => {
  if (!statSync(dir).isDirectory()) return void files.push(dir);
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
roots.forEach(walk);

if (!e2e) {
  // Unit tests run with coverage: Node prints its per-file table, and a line per room follows it.
  // Integration tests run apart and without it (Node 20's coverage fails on some of the source maps
  // they load: "Cannot read properties of undefined (reading 'line')").
  const unit = files.filter((file) => file.split(/[\\/]/).includes('unit'));
  const others = files.filter((file) => !unit.includes(file));
  let status = 0;
  if (unit.length > 0) status = await runWithCoverage(unit);
  if (others.length > 0) {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'spec', ...others], { stdio: 'inherit' });
    status ||= result.status ?? 1;
  }
  process.exit(status);
}

async function runWithCoverage(testFiles) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--enable-source-maps', '--experimental-test-coverage', '--test', '--test-reporter', 'spec', ...testFiles],
    {
      stdio: ['inherit', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    output += chunk;
  });
  const status = await new Promise((done) => child.on('close', (code) => done(code ?? 1)));
  process.stdout.write(roomCoverageText(output));
  return status;
}

const ARTIFACTS = resolve('test/e2e/artifacts');
const REPORTER = resolve('scripts/e2e/results-reporter.mjs');
rmSync(ARTIFACTS, { recursive: true, force: true });
mkdirSync(ARTIFACTS, { recursive: true });

/** One run of the e2e files; returns the results-reporter's lines and the runner's exit status. */
function runScenarios(round, env) {
  const results = join(ARTIFACTS, `results-${round}.jsonl`);
  const pattern = options.grep === undefined ? [] : ['--test-name-pattern', options.grep];
  const args = [
    '--import',
    'tsx',
    '--test',
    ...pattern,
    '--test-reporter',
    'spec',
    '--test-reporter-destination',
    'stdout',
    '--test-reporter',
    REPORTER,
    '--test-reporter-destination',
    results,
    ...files,
  ];
  const { status } = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const lines = existsSync(results) ? readFileSync(results, 'utf8').split('\n').filter(Boolean) : [];
  return { status: status ?? 1, scenarios: lines.map((line) => JSON.parse(line)) };
}

if (options.repeat === undefined) {
  const { status, scenarios } = runScenarios(1, {});
  const passed = scenarios.filter((s) => s.passed).length;
  const retried = scenarios.filter((s) => s.retries > 0);
  retried.forEach((s) => console.log(`e2e: needed ${s.retries} retr${s.retries === 1 ? 'y' : 'ies'}: ${s.name}`));
  console.log(`e2e: ${scenarios.length} scenarios: ${passed} passed, ${scenarios.length - passed} failed, ${retried.length} retried`);
  if (scenarios.length === 0) console.log('e2e: no scenario ran');
  if (retried.length > 0) console.log('e2e: failing the run: a scenario that needs a retry is flaky, and a retry must not hide it');
  process.exit(status !== 0 || retried.length > 0 || scenarios.length === 0 ? 1 : 0);
}

const rounds = Number(options.repeat);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--repeat takes a whole number of rounds, not "${options.repeat}"`);
  process.exit(2);
}
const counts = new Map();
for (let round = 1; round <= rounds; round++) {
  console.log(`e2e repeat: round ${round} of ${rounds}`);
  // No retries: every attempt counts.
  const { scenarios } = runScenarios(round, { JOINTRAIN_E2E_ATTEMPTS: '1' });
  for (const s of scenarios) {
    const count = counts.get(s.name) ?? { passed: 0, runs: 0 };
    counts.set(s.name, { passed: count.passed + (s.passed ? 1 : 0), runs: count.runs + 1 });
  }
  console.log(`e2e repeat: after round ${round}: ${[...counts].map(([name, c]) => `${c.passed}/${c.runs} ${name.slice(0, 60)}`).join('; ')}`);
}
console.log(`e2e repeat: ${rounds} rounds, no retries${options.grep === undefined ? '' : `, scenarios matching /${options.grep}/`}`);
for (const [name, c] of counts) console.log(`  ${c.passed}/${c.runs} passed  ${name}`);
const allPassed = counts.size > 0 && [...counts.values()].every((c) => c.passed === c.runs && c.runs === rounds);
process.exit(allPassed ? 0 : 1);
