/** The CLI as a user runs it: `node bin/jointrain.js …` against the built bundle (`npm run build`). */
import * as tf from '@tensorflow/tfjs';
import '../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { parseEvents, parseMetrics } from '../../src/shared/runs/readRecords';
import type { RunRecord } from '../../src/shared/runs/format';
import { fileLoadHandler } from '../../src/trainer/runs/modelFiles';
import { createTinyWorkspace, experimentYaml, type TinyWorkspace } from '../fixtures/tinyWorkspace';

const CLI = resolve(__dirname, '..', '..', 'bin', 'jointrain.js');

function jointrain(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let workspace: TinyWorkspace;

before(async () => {
  assert.ok(existsSync(resolve(__dirname, '..', '..', 'dist', 'trainer.js')), 'build first: npm run build');
  workspace = await createTinyWorkspace({ epochs: 2 });
});

test('`jointrain run` writes a complete run folder and a reloadable model', async () => {
  const { status, stdout, stderr } = jointrain(['run', 'tiny.jointrain.yaml', '--quiet'], workspace.dir);
  assert.equal(status, 0, stderr);
  const runs = readdirSync(workspace.runsDir);
  assert.equal(runs.length, 1);
  const runDir = join(workspace.runsDir, runs[0] as string);
  assert.match(stdout, /│big\s+│\d[\d,]*\/\d[\d,]*\s+│/);
  assert.match(stdout, /run completed: /);

  assert.equal(readFileSync(join(runDir, 'experiment.jointrain.yaml'), 'utf8'), readFileSync(workspace.experimentFile, 'utf8'));
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'completed');
  assert.equal(record.seed, 5);
  assert.equal(record.backend?.name, 'wasm');
  assert.deepEqual(record.epochs, { total: 2, completed: 2 });
  assert.ok(record.timings.endedAt && record.timings.dataMs !== undefined && record.timings.trainMs !== undefined);
  assert.deepEqual(
    record.datasets.map((d) => [d.name, d.head, d.train.size + d.validation.size]),
    [
      ['big', 'side', 48],
      ['small', 'side', 12],
      ['table', 'kind', 60],
      ['reg', 'value', 60],
    ],
  );
  assert.deepEqual(record.datasets[0]?.train.classes, { left: 18, right: 18 });
  assert.deepEqual(record.heads.side?.classes, ['left', 'right']);

  const metrics = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'));
  const steps = metrics.filter((m) => m.kind === 'step');
  const epochs = metrics.filter((m) => m.kind === 'epoch');
  assert.equal(steps.length, 12);
  assert.equal(epochs.length, 2);
  for (const step of steps)
    assert.equal(
      Object.values(step.datasets).reduce((sum, d) => sum + d.samples, 0),
      16,
    );
  assert.deepEqual(Object.keys(epochs[1]?.datasets ?? {}).sort(), ['big', 'reg', 'small', 'table']);

  const events = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8')).map((e) => e.kind);
  assert.deepEqual(events, ['started', 'checkpoint', 'checkpoint', 'completed']);
  const latest = readFileSync(join(runDir, 'checkpoints', 'latest'), 'utf8').trim();
  assert.equal(latest, 'epoch-0002');
  assert.ok(statSync(join(runDir, 'checkpoints', latest, 'weights.bin')).size > 0);

  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(fileLoadHandler(join(runDir, 'model', 'model.json')));
  assert.deepEqual(model.inputNames.sort(), ['input_image', 'input_pair', 'input_table']);
  const inputs = model.inputs.map((input) => tf.zeros([3, ...(input.shape.slice(1) as number[])]));
  const outputs = model.predict(inputs) as tf.Tensor[];
  const byName = Object.fromEntries(model.outputNames.map((name, i) => [name, outputs[i]?.shape]));
  assert.deepEqual(byName, { side: [3, 2], kind: [3, 2], value: [3, 1] });
  const sums = (outputs[model.outputNames.indexOf('side')] as tf.Tensor).sum(-1).arraySync() as number[];
  sums.forEach((sum) => assert.ok(Math.abs(sum - 1) < 1e-5, 'classification outputs are probabilities'));
});

test('`--set` overrides a field and the run snapshot records the override', () => {
  const runsDir = join(workspace.dir, 'override-runs');
  const { status, stderr } = jointrain(
    ['run', 'tiny.jointrain.yaml', '--quiet', '--runs-dir', runsDir, '--set', 'mixing.strategy=proportional', '--epochs', '1'],
    workspace.dir,
  );
  assert.equal(status, 0, stderr);
  const runDir = join(runsDir, readdirSync(runsDir)[0] as string);
  const snapshot = readFileSync(join(runDir, 'experiment.jointrain.yaml'), 'utf8');
  assert.match(snapshot, /strategy: proportional/);
  assert.match(snapshot, /epochs: 1/);
  const epoch = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).find((m) => m.kind === 'epoch');
  // Proportional: shares follow the training sizes 36, 8, 48, 48 (of 140).
  assert.ok(epoch?.kind === 'epoch');
  assert.ok(Math.abs((epoch.datasets.big?.configuredShare ?? 0) - 36 / 140) < 1e-9);
  assert.ok(Math.abs((epoch.datasets.small?.configuredShare ?? 0) - 8 / 140) < 1e-9);
});

test('the built CLI trains on two threads: its workers load dist/shardWorker.js, and the run says so', () => {
  const runsDir = join(workspace.dir, 'threads-runs');
  const { status, stderr } = jointrain(['run', 'tiny.jointrain.yaml', '--runs-dir', runsDir, '--set', 'training.threads=2', '--epochs', '1'], workspace.dir);
  assert.equal(status, 0, stderr);
  assert.match(stderr, /^backend: wasm, 2 threads$/m);
  const record = JSON.parse(readFileSync(join(runsDir, readdirSync(runsDir)[0] as string, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'completed');
  assert.deepEqual(record.backend?.threads, { requested: 2, used: 2 });
});

test('`jointrain validate` reports an unknown key with its place and a suggestion, and exits 1', () => {
  writeFileSync(join(workspace.dir, 'typo.jointrain.yaml'), experimentYaml().replace('batch_size: 16', 'bach_size: 16'));
  const { status, stderr } = jointrain(['validate', 'typo.jointrain.yaml'], workspace.dir);
  assert.equal(status, 1);
  const line =
    experimentYaml()
      .split('\n')
      .findIndex((text) => text.includes('batch_size')) + 1;
  assert.match(
    stderr,
    new RegExp(
      `typo\\.jointrain\\.yaml:${line}:3 training: unknown key "bach_size" — did you mean "batch_size"\\?|typo\\.jointrain\\.yaml:${line}:3 training\\.bach_size: .*batch_size`,
    ),
  );
});

test('`jointrain validate` accepts a valid file', () => {
  const { status, stdout } = jointrain(['validate', 'tiny.jointrain.yaml'], workspace.dir);
  assert.equal(status, 0);
  assert.match(stdout, /tiny\.jointrain\.yaml is valid/);
});

test('a run that cannot start says why, records the failure, and leaves earlier runs untouched', () => {
  const before = readdirSync(workspace.runsDir);
  const earlier = join(workspace.runsDir, before[0] as string, 'run.json');
  const earlierText = readFileSync(earlier, 'utf8');
  writeFileSync(join(workspace.dir, 'data', 'big', 'left', 'broken.png'), 'not a png at all');
  writeFileSync(join(workspace.dir, 'data', 'big', 'left', 'empty.png'), '');
  const { status, stderr } = jointrain(['run', 'tiny.jointrain.yaml', '--quiet'], workspace.dir);
  assert.equal(status, 1);
  assert.match(stderr, /tiny\.jointrain\.yaml:\d+:\d+ datasets\[0\]\.path/);
  assert.match(
    stderr,
    /dataset "big": 2 of 50 image files could not be decoded \(4\.0%, more than 1%\): class "left": 2\. First: left\/broken\.png: cannot decode/,
  );
  const failed = readdirSync(workspace.runsDir).find((id) => !before.includes(id)) as string;
  const record = JSON.parse(readFileSync(join(workspace.runsDir, failed, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'failed');
  assert.match(record.error ?? '', /big/);
  // The editor puts it at the field: the one the message's place names, with the words after it.
  assert.deepEqual(record.errorAt?.field, ['datasets', 0, 'path']);
  assert.equal(record.error, `${/^.*?datasets\[0\]\.path: /.exec(record.error ?? '')?.[0] ?? ''}${record.errorAt?.message ?? ''}`);
  assert.match(record.errorAt?.message ?? '', /^dataset "big": 2 of 50 image files could not be decoded/);
  assert.equal(record.errorAt?.hint, 'Fix or remove the files listed, or re-export them as png, jpeg or webp, then run again.');
  assert.equal(readFileSync(earlier, 'utf8'), earlierText);
});

test('an explicit backend that is unavailable is an error with the fix', () => {
  const { status, stderr } = jointrain(['run', 'tiny.jointrain.yaml', '--quiet', '--backend', 'tensorflow'], workspace.dir);
  assert.equal(status, 1);
  assert.match(
    stderr,
    /error: backend 'tensorflow' is not available: @tensorflow\/tfjs-node is not installed\nhint: install it with `npm i @tensorflow\/tfjs-node`/,
  );
});

/** The tiny workspace with only its regression dataset (stem `pair`, head `value`). */
function regressionOnlyYaml(): string {
  const yaml = experimentYaml({ epochs: 1 });
  const datasets = yaml.slice(yaml.indexOf('  - name: reg'), yaml.indexOf('mixing:'));
  return `version: 1
name: regression
datasets:
${datasets}mixing: { strategy: uniform, epoch_end: { steps: 4 } }
model:
  stems:
    pair: { layers: [ { type: dense, units: 8, activation: relu } ] }
  heads:
    value: { task: regression, loss: mse }
training: { epochs: 1, batch_size: 16, seed: 5, backend: wasm }
`;
}

test('`jointrain run --json` prints the run folder, status and last epoch, and `--cache-dir` puts the decoded images there', async () => {
  const own = await createTinyWorkspace({ epochs: 1 });
  const cacheDir = join(own.dir, 'elsewhere-cache');
  const { status, stdout, stderr } = jointrain(['run', 'tiny.jointrain.yaml', '--quiet', '--json', '--cache-dir', cacheDir], own.dir);
  assert.equal(status, 0, stderr);
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON line and nothing else on stdout');
  const result = JSON.parse(lines[0] as string) as {
    runDir: string;
    status: string;
    lastEpoch: { kind: string; epoch: number; datasets: Record<string, unknown> };
  };
  assert.equal(result.status, 'completed');
  assert.equal(result.runDir, join(own.runsDir, readdirSync(own.runsDir)[0] as string));
  assert.equal(result.lastEpoch.kind, 'epoch');
  assert.equal(result.lastEpoch.epoch, 1);
  assert.deepEqual(Object.keys(result.lastEpoch.datasets).sort(), ['big', 'reg', 'small', 'table']);
  assert.ok(
    readdirSync(join(cacheDir, 'images')).some((file) => file.endsWith('.bin')),
    'decoded images cached in --cache-dir',
  );
  assert.equal(existsSync(own.cacheDir), false, 'nothing in the default cache folder');
});

test('`jointrain run --stdin-commands` obeys a stop read from stdin: the run ends stopped long before its last epoch', async () => {
  const own = await createTinyWorkspace({ epochs: 500 });
  const result = spawnSync(process.execPath, [CLI, 'run', 'tiny.jointrain.yaml', '--quiet', '--json', '--stdin-commands'], {
    cwd: own.dir,
    encoding: 'utf8',
    input: '{"type":"stop"}\n',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const { runDir, status } = JSON.parse(result.stdout) as { runDir: string; status: string };
  assert.equal(status, 'stopped');
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  assert.ok(record.epochs.completed < 500, `stopped after ${record.epochs.completed} epochs`);
  assert.ok(parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8')).some((event) => event.kind === 'stopped'));
});

test('`jointrain resume --json` continues an interrupted run from its newest checkpoint to completion', async () => {
  const own = await createTinyWorkspace({ epochs: 3 });
  const first = jointrain(['run', 'tiny.jointrain.yaml', '--quiet', '--json'], own.dir);
  assert.equal(first.status, 0, first.stderr);
  const { runDir } = JSON.parse(first.stdout) as { runDir: string };
  // What a crash during epoch 3's checkpoint leaves: the run failed, epoch 2 is the newest checkpoint.
  rmSync(join(runDir, 'checkpoints', 'epoch-0003'), { recursive: true });
  writeFileSync(join(runDir, 'checkpoints', 'latest'), 'epoch-0002\n');
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ ...record, status: 'failed', error: 'killed' }));
  const cacheDir = join(own.dir, 'resume-cache');
  const resumed = jointrain(['resume', runDir, '--quiet', '--json', '--cache-dir', cacheDir], own.dir);
  assert.equal(resumed.status, 0, resumed.stderr);
  const result = JSON.parse(resumed.stdout) as { runDir: string; status: string; lastEpoch: { epoch: number } };
  assert.deepEqual([result.runDir, result.status, result.lastEpoch.epoch], [runDir, 'completed', 3]);
  assert.ok(existsSync(join(cacheDir, 'images')), 'the resumed run decoded into --cache-dir');
  const events = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8'));
  assert.equal(events.filter((event) => event.kind === 'resumed-from-checkpoint').length, 1);
});

test('`jointrain compare` sets runs side by side; a run of regression datasets only shows its MAE and no accuracy summary, never "Infinity%"', async () => {
  const own = await createTinyWorkspace({ epochs: 1 });
  writeFileSync(join(own.dir, 'regression.jointrain.yaml'), regressionOnlyYaml());
  for (const file of ['tiny.jointrain.yaml', 'regression.jointrain.yaml']) {
    const { status, stderr } = jointrain(['run', file, '--quiet'], own.dir);
    assert.equal(status, 0, stderr);
  }
  const runs = readdirSync(own.runsDir).map((id) => join(own.runsDir, id));
  for (const markdown of [false, true]) {
    const { status, stdout, stderr } = jointrain(['compare', ...runs, ...(markdown ? ['--markdown'] : [])], own.dir);
    assert.equal(status, 0, stderr);
    assert.doesNotMatch(stdout, /Infinity|NaN/);
    assert.match(stdout, /reg\W+(mae [\d.]+\W+){2}/, 'both runs report reg by its MAE');
    assert.match(stdout, /worst\W+(\d+(\.\d+)?%\W+—|—\W+\d+(\.\d+)?%)/, 'the regression run has no worst accuracy');
    assert.match(stdout, /big\W+(\d+(\.\d+)?%\W+—|—\W+\d+(\.\d+)?%)/, 'big is absent from the regression run');
  }
  const markdown = jointrain(['compare', ...runs, '--markdown'], own.dir).stdout;
  assert.match(markdown, /^\| validation accuracy \| .* \| .* \|\n\|---\|---\|---\|/);
  // Columns are labelled by the part of the run ids that differs, and a second table says what else differs.
  for (const run of runs) assert.doesNotMatch(markdown.split('\n')[0] ?? '', new RegExp(run.split('/').pop() ?? ''), 'not the whole run id');
  assert.match(markdown, /\| field that differs \| .* \| .* \|/);
  assert.match(markdown, /\| name \| tiny \| regression \||\| name \| regression \| tiny \|/);
});

test('`jointrain scaffold` prints an experiment for image folders and a CSV file that `jointrain validate` accepts', async () => {
  const own = await createTinyWorkspace();
  const { status, stdout, stderr } = jointrain(['scaffold', 'data/big', 'data/table.csv', '--relative-to', '.', '--name', 'scaffolded'], own.dir);
  assert.equal(status, 0, stderr);
  assert.match(stdout, /name: scaffolded/);
  writeFileSync(join(own.dir, 'scaffolded.jointrain.yaml'), stdout);
  const validated = jointrain(['validate', 'scaffolded.jointrain.yaml'], own.dir);
  assert.equal(validated.status, 0, validated.stderr);
  const json = jointrain(['scaffold', 'data/big', 'data/table.csv', '--json'], own.dir);
  const parsed = JSON.parse(json.stdout) as { text: string; sources: unknown[] };
  assert.equal(parsed.sources.length, 2);
  assert.match(parsed.text, /path: data\/big/);
});

test('`jointrain example` generates the bundled example data if absent and trains the example', () => {
  // Nested: the decoded-image cache goes next to the runs folder.
  const runsDir = join(mkdtempSync(join(tmpdir(), 'jointrain-example-')), 'runs');
  const { status, stdout, stderr } = jointrain(
    ['example', '--runs-dir', runsDir, '--quiet', '--set', 'training.epochs=1', '--set', 'mixing.epoch_end={steps: 2}', '--set', 'training.backend=wasm'],
    workspace.dir,
  );
  assert.equal(status, 0, stderr);
  assert.match(stdout, /│clean\s+│\d[\d,]*\/\d[\d,]*\s+│/);
  assert.match(stdout, /run completed: /);
  const record = JSON.parse(readFileSync(join(runsDir, readdirSync(runsDir)[0] as string, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'completed');
  assert.equal(record.experimentName, 'digits');
  assert.deepEqual(
    record.datasets.map((d) => d.name),
    ['clean', 'scanned', 'inverted', 'sensors'],
  );
});

test('`jointrain validate` refuses sizes that cannot train at their field, before training: an absurd batch_size, and a batch too large for this machine', async () => {
  const own = await createTinyWorkspace();
  const yaml = experimentYaml();
  writeFileSync(join(own.dir, 'absurd.jointrain.yaml'), yaml.replace('batch_size: 16', 'batch_size: 1e12'));
  const absurd = jointrain(['validate', 'absurd.jointrain.yaml'], own.dir);
  assert.equal(absurd.status, 1);
  const line = yaml.split('\n').findIndex((text) => text.includes('batch_size')) + 1;
  assert.match(
    absurd.stderr,
    new RegExp(`absurd\\.jointrain\\.yaml:${line}:\\d+ training\\.batch_size: expected a number <= 65536, got 1000000000000: at most 65536`),
  );
  const huge = yaml.replace('batch_size: 16', 'batch_size: 65536').replaceAll('size: [8, 8]', 'size: [4096, 4096]');
  writeFileSync(join(own.dir, 'huge.jointrain.yaml'), huge);
  const tooLarge = jointrain(['validate', 'huge.jointrain.yaml'], own.dir);
  assert.equal(tooLarge.status, 1);
  assert.match(
    tooLarge.stderr,
    new RegExp(
      `huge\\.jointrain\\.yaml:${line}:\\d+ training\\.batch_size: the model needs at least [\\d,.]+ GiB \\(.*one batch of 65536: [\\d,.]+ GiB\\) but this machine has [\\d,.]+ GiB: lower batch_size to \\d+ or less`,
    ),
  );
});

test('--version prints the package version', () => {
  const result = jointrain(['--version'], tmpdir());
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), (JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
});

test('resume and compare of a folder whose run.json is broken are refused with the field and what to do, not an internal error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jt-broken-run-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ formatVersion: 1, id: 'r1', status: 'sleeping' }));
  for (const args of [
    ['resume', dir],
    ['compare', dir, dir],
  ]) {
    const result = jointrain(args, tmpdir());
    assert.equal(result.status, 1, `${args[0]}: ${result.stderr}`);
    assert.match(result.stderr, /run\.json: experimentName: .*: not a run record jointrain can read\nhint: restore run\.json from a backup/);
    assert.doesNotMatch(result.stderr, /internal error/);
  }
});

test('a file-system error during a run is one line with its path and the fix, not an internal error with a stack; run.json says failed', () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'jointrain-io-'));
  writeFileSync(join(runsDir, 'not-a-folder'), 'a file');
  const { status, stderr } = jointrain(
    ['run', 'tiny.jointrain.yaml', '--quiet', '--runs-dir', join(runsDir, 'runs'), '--cache-dir', join(runsDir, 'not-a-folder', 'cache')],
    workspace.dir,
  );
  assert.equal(status, 1, stderr);
  assert.equal(
    stderr,
    `error: ${join(runsDir, 'not-a-folder', 'cache')}: a part of the path is a file, not a folder (ENOTDIR)\nhint: check the path, then run it again\n`,
  );
  const [id] = readdirSync(join(runsDir, 'runs'));
  const record = JSON.parse(readFileSync(join(runsDir, 'runs', id as string, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'failed');
  assert.match(record.error ?? '', /ENOTDIR/);
});

test('`jointrain validate` notes data read from outside the experiment’s folder with its real path, and the file stays valid', () => {
  const sub = join(workspace.dir, 'experiments');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, 'elsewhere.jointrain.yaml'), experimentYaml().replace(/path: data\//g, 'path: ../data/'));
  const { status, stdout, stderr } = jointrain(['validate', join('experiments', 'elsewhere.jointrain.yaml')], workspace.dir);
  assert.equal(status, 0, stderr);
  const notes = stderr.trimEnd().split('\n');
  assert.equal(notes.length, 4, stderr);
  assert.match(
    notes[0] ?? '',
    new RegExp(
      `^note: .*elsewhere\\.jointrain\\.yaml:\\d+:\\d+ datasets\\[0\\]\\.path: reads ${realpathSync(join(workspace.dir, 'data', 'big'))}, outside the experiment's folder`,
    ),
  );
  assert.match(stdout, /is valid \(4 notes\)\n$/);
});

test('`jointrain scaffold --json` of a folder holding a loose class folder beside datasets answers with the facts; --ignore-class-folders uses the datasets', async () => {
  const own = await createTinyWorkspace();
  const loose = join(own.dir, 'data', 'loose');
  mkdirSync(loose);
  const image = readdirSync(join(own.dir, 'data', 'big', 'left'))[0] as string;
  writeFileSync(join(loose, image), readFileSync(join(own.dir, 'data', 'big', 'left', image)));

  const ambiguous = jointrain(['scaffold', 'data', '--json'], own.dir);
  assert.equal(ambiguous.status, 1);
  assert.deepEqual(JSON.parse(ambiguous.stdout), {
    ambiguous: { path: join(own.dir, 'data'), classes: ['loose'], datasets: ['big', 'reg.csv', 'small', 'table.csv'] },
  });
  const said = jointrain(['scaffold', 'data'], own.dir);
  assert.equal(said.status, 1);
  assert.match(said.stderr, /^error: .*data holds both class folders of images \(loose\) and folders or files that look like datasets/);
  assert.match(said.stderr, /hint: pick the dataset folders themselves, or pass --ignore-class-folders/);

  const chosen = jointrain(['scaffold', 'data', '--json', '--ignore-class-folders'], own.dir);
  assert.equal(chosen.status, 0, chosen.stderr);
  const parsed = JSON.parse(chosen.stdout) as { text: string; sources: Array<{ name: string }> };
  assert.deepEqual(parsed.sources.map((source) => source.name).sort(), ['big', 'reg', 'small', 'table']);
  assert.doesNotMatch(parsed.text, /loose/);
});

test('the CLI’s final summary lists what happened, as the panel’s timeline says it: a weight change with old → new and who asked', async () => {
  const own = await createTinyWorkspace({ epochs: 2 });
  const result = spawnSync(process.execPath, [CLI, 'run', 'tiny.jointrain.yaml', '--quiet', '--stdin-commands'], {
    cwd: own.dir,
    encoding: 'utf8',
    input: '{"type":"set-weights","sampling":{"small":3}}\n',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const events = result.stdout.slice(result.stdout.indexOf('events:\n'));
  // Read before the first step, the change applies to epoch 1 itself.
  assert.match(events, /^events:\n {2}epoch 1: Weight change asked from the command line before epoch 1: applies as it starts \(small sampling 1 → 3\)\n/);
  assert.match(events, /\n {2}epoch 1: Weights changed from epoch 1, asked from the command line \(small sampling 1 → 3\)\n/);
  assert.match(events, /\nrun completed: /);
});
