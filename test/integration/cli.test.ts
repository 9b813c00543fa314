/** The CLI as a user runs it: `node bin/jointrain.js …` against the built bundle (`npm run build`). */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
  assert.match(stdout, /│ big\s+│ side\s+│/);
  assert.match(stdout, /run completed: /);

  assert.equal(readFileSync(join(runDir, 'experiment.jointrain.yaml'), 'utf8'), readFileSync(workspace.experimentFile, 'utf8'));
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'completed');
  assert.equal(record.seed, 5);
  assert.equal(record.backend?.name, 'wasm');
  assert.deepEqual(record.epochs, { total: 2, completed: 2 });
  assert.ok(record.timings.endedAt && record.timings.dataMs !== undefined && record.timings.trainMs !== undefined);
  assert.deepEqual(record.datasets.map((d) => [d.name, d.head, d.train.size + d.validation.size]), [['big', 'side', 48], ['small', 'side', 12], ['table', 'kind', 60], ['reg', 'value', 60]]);
  assert.deepEqual(record.datasets[0]?.train.classes, { left: 18, right: 18 });
  assert.deepEqual(record.heads.side?.classes, ['left', 'right']);

  const metrics = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'));
  const steps = metrics.filter((m) => m.kind === 'step');
  const epochs = metrics.filter((m) => m.kind === 'epoch');
  assert.equal(steps.length, 12);
  assert.equal(epochs.length, 2);
  for (const step of steps) assert.equal(Object.values(step.datasets).reduce((sum, d) => sum + d.samples, 0), 16);
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
  const { status, stderr } = jointrain(['run', 'tiny.jointrain.yaml', '--quiet', '--runs-dir', runsDir, '--set', 'mixing.strategy=proportional', '--epochs', '1'], workspace.dir);
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

test('`jointrain validate` reports an unknown key with its place and a suggestion, and exits 1', () => {
  writeFileSync(join(workspace.dir, 'typo.jointrain.yaml'), experimentYaml().replace('batch_size: 16', 'bach_size: 16'));
  const { status, stderr } = jointrain(['validate', 'typo.jointrain.yaml'], workspace.dir);
  assert.equal(status, 1);
  const line = experimentYaml().split('\n').findIndex((text) => text.includes('batch_size')) + 1;
  assert.match(stderr, new RegExp(`typo\\.jointrain\\.yaml:${line}:3 training: unknown key "bach_size" — did you mean "batch_size"\\?|typo\\.jointrain\\.yaml:${line}:3 training\\.bach_size: .*batch_size`));
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
  assert.match(stderr, /dataset "big": 2 of 50 image files could not be decoded \(4\.0%, more than 1%\): class "left": 2\. First: left\/broken\.png: cannot decode/);
  const failed = readdirSync(workspace.runsDir).find((id) => !before.includes(id)) as string;
  const record = JSON.parse(readFileSync(join(workspace.runsDir, failed, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'failed');
  assert.match(record.error ?? '', /big/);
  assert.equal(readFileSync(earlier, 'utf8'), earlierText);
});

test('an explicit backend that is unavailable is an error with the fix', () => {
  const { status, stderr } = jointrain(['run', 'tiny.jointrain.yaml', '--quiet', '--backend', 'tensorflow'], workspace.dir);
  assert.equal(status, 1);
  assert.match(stderr, /error: backend 'tensorflow' is not available: @tensorflow\/tfjs-node is not installed\nhint: install it with `npm i @tensorflow\/tfjs-node`/);
});
