/**
 * `jointrain validate` and `jointrain scaffold` in this process, on the tiny generated workspace:
 * the text and JSON they print, their exit codes, and how they name the file, line and field of
 * what is wrong.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { ExperimentIssue } from '../../../src/shared/experiment/issues';
import { experimentYaml, writeTinyWorkspace, type TinyWorkspace } from '../../fixtures/tinyWorkspace';
import { runCli, temporaryFolder } from './cli-support/captureCli';

let workspace: TinyWorkspace;

before(async () => {
  workspace = await writeTinyWorkspace(temporaryFolder(), { epochs: 1 });
});

/** 1-based line of the first line of the tiny experiment that holds `text`. */
const lineOf = (text: string) =>
  experimentYaml()
    .split('\n')
    .findIndex((line) => line.includes(text)) + 1;

/** Writes a variant of the tiny experiment next to its data. */
function variant(name: string, edit: (yaml: string) => string): string {
  const file = join(workspace.dir, name);
  writeFileSync(file, edit(experimentYaml({ epochs: 1 })));
  return file;
}

test('`validate` of a valid file says so on stdout, exit 0, nothing on stderr', async () => {
  assert.deepEqual(await runCli(['validate', workspace.experimentFile]), { code: 0, stdout: `${workspace.experimentFile} is valid\n`, stderr: '' });
});

test('`validate` prints each error at its file:line:column and field, then the count on stderr, exit 1', async () => {
  const file = variant('typo.jointrain.yaml', (yaml) => yaml.replace('batch_size: 16', 'bach_size: 16'));
  const one = await runCli(['validate', file]);
  assert.equal(one.code, 1);
  assert.equal(one.stdout, '');
  const [issue, count, ...rest] = one.stderr.split('\n');
  assert.match(
    issue ?? '',
    new RegExp(`^error: ${file}:${lineOf('batch_size')}:3 training\\.bach_size: unknown key \`bach_size\` — did you mean \`batch_size\`\\?$`),
  );
  assert.deepEqual([count, ...rest], [`1 error in ${file}`, '']);

  const two = variant('two.jointrain.yaml', (yaml) =>
    yaml.replace('batch_size: 16', 'batch_size: 0').replace('path: data/table.csv', 'path: data/nowhere.csv'),
  );
  const both = await runCli(['validate', two]);
  assert.equal(both.code, 1);
  const lines = both.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 3, both.stderr);
  assert.match(lines[0] ?? '', new RegExp(`^error: ${two}:${lineOf('data/table.csv')}:\\d+ datasets\\[2\\]\\.path: .*nowhere\\.csv`));
  assert.match(lines[1] ?? '', new RegExp(`^error: ${two}:${lineOf('batch_size')}:\\d+ training\\.batch_size: `));
  assert.equal(lines[2], `2 errors in ${two}`);
});

test('`validate` counts warnings and notes after "is valid"; each is printed with its place on stderr', async () => {
  mkdirSync(join(workspace.dir, 'experiments'), { recursive: true });
  const file = variant(join('experiments', 'noted.jointrain.yaml'), (yaml) =>
    yaml.replace(/path: data\//g, 'path: ../data/').replace('strategy: uniform', 'strategy: uniform\n  temperature: 2'),
  );
  const { code, stdout, stderr } = await runCli(['validate', file]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, `${file} is valid (1 warning, 4 notes)\n`);
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 5, stderr);
  lines
    .slice(0, 4)
    .forEach((line, i) => assert.match(line, new RegExp(`^note: ${file}:\\d+:\\d+ datasets\\[${i}\\]\\.path: reads .*, outside the experiment's folder`)));
  assert.match(
    lines[4] ?? '',
    new RegExp(`^warning: ${file}:${lineOf('strategy: uniform') + 1}:16 mixing\\.temperature: temperature is used only by the temperature strategy`),
  );

  const warned = variant('warned.jointrain.yaml', (yaml) => yaml.replace('strategy: uniform', 'strategy: uniform\n  temperature: 2'));
  assert.equal((await runCli(['validate', warned])).stdout, `${warned} is valid (1 warning)\n`);
});

test('`validate --json` prints {file, issues} on stdout only; the exit code is 1 only when an issue is an error', async () => {
  const valid = await runCli(['validate', workspace.experimentFile, '--json']);
  assert.deepEqual(valid, { code: 0, stdout: `${JSON.stringify({ file: workspace.experimentFile, issues: [] })}\n`, stderr: '' });

  const file = variant('json-typo.jointrain.yaml', (yaml) => yaml.replace('batch_size: 16', 'bach_size: 16'));
  const invalid = await runCli(['validate', file, '--json']);
  assert.equal(invalid.code, 1);
  assert.equal(invalid.stderr, '');
  const { file: named, issues } = JSON.parse(invalid.stdout) as { file: string; issues: ExperimentIssue[] };
  assert.equal(named, file);
  assert.equal(issues.length, 1);
  assert.deepEqual(
    { file: issues[0]?.file, line: issues[0]?.line, column: issues[0]?.column, path: issues[0]?.path, severity: issues[0]?.severity },
    { file, line: lineOf('batch_size'), column: 3, path: ['training', 'bach_size'], severity: 'error' },
  );

  const warned = variant('json-warned.jointrain.yaml', (yaml) => yaml.replace('strategy: uniform', 'strategy: uniform\n  temperature: 2'));
  const warnings = await runCli(['validate', warned, '--json']);
  assert.equal(warnings.code, 0, 'warnings alone do not fail validation');
  assert.deepEqual(
    (JSON.parse(warnings.stdout) as { issues: ExperimentIssue[] }).issues.map((issue) => [issue.severity, issue.path]),
    [['warning', ['mixing', 'temperature']]],
  );
});

test('`validate` of a file that is not UTF-8 names the file and its first byte, and says how to fix it', async () => {
  const file = join(workspace.dir, 'utf16.jointrain.yaml');
  writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('version: 1\n', 'utf16le')]));
  const { code, stdout, stderr } = await runCli(['validate', file]);
  assert.deepEqual([code, stdout], [1, '']);
  assert.equal(
    stderr,
    `error: ${file}:1:1 the file is UTF-16 text (it starts with the byte order mark FF FE), not UTF-8: save it as UTF-8 (in VS Code: the encoding in the status bar → Save with Encoding → UTF-8)\n1 error in ${file}\n`,
  );
});

test('`scaffold` writes a commented experiment for an image folder and a CSV file that `validate` accepts; --json gives the same text and what was found', async () => {
  const args = [
    'scaffold',
    join(workspace.dir, 'data', 'big'),
    join(workspace.dir, 'data', 'table.csv'),
    '--relative-to',
    workspace.dir,
    '--name',
    'scaffolded',
  ];
  const { code, stdout, stderr } = await runCli(args);
  assert.deepEqual([code, stderr], [0, '']);
  assert.match(stdout, /^# A jointrain experiment written by/);
  assert.match(stdout, /^name: scaffolded$/m);
  assert.match(stdout, /^ {4}path: data\/big$/m);
  assert.match(stdout, /^ {4}path: data\/table\.csv$/m);
  const file = join(workspace.dir, 'scaffolded.jointrain.yaml');
  writeFileSync(file, stdout);
  const validated = await runCli(['validate', file]);
  assert.equal(validated.code, 0, validated.stderr);

  const json = await runCli([...args, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { text: string; sources: Array<Record<string, unknown>> };
  assert.equal(parsed.text, stdout);
  const [images, table] = parsed.sources;
  assert.deepEqual(
    [images?.kind, images?.name, images?.classes, images?.images, images?.size, images?.channels],
    ['images', 'big', ['left', 'right'], 48, [8, 8], 1],
  );
  assert.deepEqual(
    [table?.kind, table?.name, table?.label, table?.task, table?.rows, table?.columns],
    ['csv', 'table', 'kind', 'classification', 60, ['a', 'b', 'c', 'kind']],
  );
});

test('`scaffold` of a folder holding a loose class folder beside datasets: --json answers with the facts (exit 1), text mode says what to do, --ignore-class-folders uses the datasets', async () => {
  const data = join(workspace.dir, 'data');
  const loose = join(data, 'loose');
  mkdirSync(loose, { recursive: true });
  const image = readdirSync(join(data, 'big', 'left'))[0] as string;
  writeFileSync(join(loose, image), readFileSync(join(data, 'big', 'left', image)));
  try {
    assert.deepEqual(await runCli(['scaffold', data, '--json']), {
      code: 1,
      stdout: `${JSON.stringify({ ambiguous: { path: data, classes: ['loose'], datasets: ['big', 'reg.csv', 'small', 'table.csv'] } })}\n`,
      stderr: '',
    });
    const said = await runCli(['scaffold', data]);
    assert.deepEqual([said.code, said.stdout], [1, '']);
    assert.match(said.stderr, new RegExp(`^error: ${data} holds both class folders of images \\(loose\\) and folders or files that look like datasets`));
    assert.match(said.stderr, /\nhint: pick the dataset folders themselves, or pass --ignore-class-folders/);

    const chosen = await runCli(['scaffold', data, '--json', '--ignore-class-folders']);
    assert.equal(chosen.code, 0, chosen.stderr);
    const parsed = JSON.parse(chosen.stdout) as { text: string; sources: Array<{ name: string }> };
    assert.deepEqual(parsed.sources.map((source) => source.name).sort(), ['big', 'reg', 'small', 'table']);
    assert.doesNotMatch(parsed.text, /loose/);
  } finally {
    // The other tests scaffold and validate this data without it.
    rmSync(loose, { recursive: true, force: true });
  }
});

test('`scaffold` of a source that is missing or empty names it, with a hint, exit 1', async () => {
  const missing = join(workspace.dir, 'data', 'absent');
  assert.deepEqual(await runCli(['scaffold', missing]), {
    code: 1,
    stdout: '',
    stderr: `error: data source not found: ${missing}\nhint: pick an image folder (one subfolder per class) or a CSV file\n`,
  });
  const empty = join(workspace.dir, 'empty.csv');
  writeFileSync(empty, '');
  assert.deepEqual(await runCli(['scaffold', empty]), {
    code: 1,
    stdout: '',
    stderr: `error: ${empty} is empty\nhint: a CSV dataset needs a header row and data rows\n`,
  });
});
