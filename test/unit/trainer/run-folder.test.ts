import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { createRunId, isRunSnapshotPath, isValidRunId, RUN_FILES, type RunRecord, type RunStatus } from '../../../src/shared/runs/format';
import { parseEvents, parseMetrics } from '../../../src/shared/runs/readRecords';
import { UserError } from '../../../src/trainer/errors';
import { RunFolder, type NewRun } from '../../../src/trainer/runs/runFolder';

const newRun = (runsDir: string, extra: Partial<NewRun> = {}): NewRun => ({
  runsDir,
  experimentPath: '/work/tiny.jointrain.yaml',
  experimentText: 'version: 1\n',
  experimentName: 'tiny',
  seed: 5,
  totalEpochs: 3,
  ...extra,
});

const runsDirInTemp = () => mkdtempSync(join(tmpdir(), 'jointrain-runs-'));

test('run ids: generated ones are valid; path tricks, other characters, hidden names and long ids are not', () => {
  assert.ok(isValidRunId(createRunId('My Experiment!')));
  assert.ok(isValidRunId('run_1.retry-2'));
  assert.ok(isValidRunId('a'.repeat(120)));
  for (const id of ['', '.', '..', '../up', 'a/b', 'a\\b', '.hidden', '-flag', 'spa ce', 'é', 'a'.repeat(121)]) assert.equal(isValidRunId(id), false, id);
});

test('a chosen id takes a folder that holds only the host-made trainer.log, and keeps the log', () => {
  const runsDir = runsDirInTemp();
  mkdirSync(join(runsDir, 'host-1'));
  writeFileSync(join(runsDir, 'host-1', 'trainer.log'), 'host: starting\n');
  const run = RunFolder.create(newRun(runsDir, { id: 'host-1' }));
  run.close();
  assert.equal(run.id, 'host-1');
  assert.equal(readFileSync(join(runsDir, 'host-1', 'trainer.log'), 'utf8'), 'host: starting\n');
  assert.equal((JSON.parse(readFileSync(join(runsDir, 'host-1', 'run.json'), 'utf8')) as RunRecord).id, 'host-1');
});

test('a chosen id whose folder holds anything else, or that is not a valid id, is refused before anything is written', () => {
  const runsDir = runsDirInTemp();
  mkdirSync(join(runsDir, 'taken'));
  writeFileSync(join(runsDir, 'taken', 'run.json'), '{}');
  assert.throws(
    () => RunFolder.create(newRun(runsDir, { id: 'taken' })),
    (error: unknown) => error instanceof UserError && /^run folder already exists: .*taken \(it holds run\.json\)$/.test(error.message),
  );
  assert.equal(readFileSync(join(runsDir, 'taken', 'run.json'), 'utf8'), '{}');
  assert.throws(
    () => RunFolder.create(newRun(runsDir, { id: '../escape' })),
    (error: unknown) => error instanceof UserError && /invalid run id/.test(error.message),
  );
  assert.equal(existsSync(join(runsDir, '..', 'escape')), false);
});

test('a status change in run.json is announced once; other updates are not', () => {
  const statuses: RunStatus[] = [];
  const run = RunFolder.create(newRun(runsDirInTemp(), { onStatusChange: (status) => statuses.push(status) }));
  run.update({ epochs: { total: 3, completed: 1 } });
  run.update({ status: 'paused' });
  run.update({ status: 'paused' });
  run.update({ status: 'running' });
  run.close();
  assert.deepEqual(statuses, ['paused', 'running']);
});

test('a process that exits with its run still live records the run as failed (interrupted)', () => {
  const runsDir = runsDirInTemp();
  const runFolder = resolve(__dirname, '..', '..', '..', 'src', 'trainer', 'runs', 'runFolder.ts');
  const script = `
    const { RunFolder } = require(${JSON.stringify(runFolder)});
    RunFolder.create(${JSON.stringify(newRun(runsDir, { id: 'cut-short' }))});
    process.exit(143);`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 143, child.stderr);
  const record = JSON.parse(readFileSync(join(runsDir, 'cut-short', 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'failed');
  assert.match(record.error ?? '', /exited before the run finished \(interrupted\)/);
  assert.ok(record.timings.endedAt);
  assert.match(readFileSync(join(runsDir, 'cut-short', 'events.jsonl'), 'utf8'), /"kind":"failed"/);
});

test('a run folder’s copy of its experiment is told from an experiment file, on POSIX and Windows paths', () => {
  assert.equal(isRunSnapshotPath('/ws/.jointrain/runs/20261206-032922-digits-3667/experiment.jointrain.yaml'), true);
  assert.equal(isRunSnapshotPath('C:\\ws\\.jointrain\\runs\\r1\\experiment.jointrain.yaml'), true);
  assert.equal(isRunSnapshotPath('/ws/experiment.jointrain.yaml'), false);
  assert.equal(isRunSnapshotPath('/ws/.jointrain/runs/r1/other.jointrain.yaml'), false);
  assert.equal(isRunSnapshotPath('/ws/.jointrain/runs/experiment.jointrain.yaml'), false);
});

test('metrics and events read back as written: a NaN metric (null in JSON) as NaN, a record of an unknown kind skipped, a torn last line ignored', () => {
  const run = RunFolder.create(newRun(runsDirInTemp()));
  const dataset = {
    samples: 8,
    trainLoss: Number.NaN,
    valLoss: 0.5,
    configuredShare: 1,
    realizedShare: 1,
    lossShare: 1,
    epochsSeen: 1,
    samplingWeight: 1,
    lossWeight: 1,
  };
  const epoch = {
    kind: 'epoch',
    epoch: 1,
    steps: 2,
    time: 't',
    durationMs: 5,
    samplesPerSecond: 100,
    totalLoss: Number.NaN,
    datasets: { a: dataset },
  } as const;
  run.appendMetric(epoch);
  run.appendEvent({ kind: 'checkpoint', time: 't', epoch: 1, name: 'epoch-1', best: true });
  run.close();
  const metricsPath = run.path(RUN_FILES.metrics);
  const eventsPath = run.path(RUN_FILES.events);
  assert.match(readFileSync(metricsPath, 'utf8'), /"trainLoss":null/);
  // What a newer trainer might add, then a writer cut off mid-line.
  appendFileSync(metricsPath, '{"kind":"histogram","epoch":1}\n{"kind":"step","epoch":2,"st');
  appendFileSync(eventsPath, '{"kind":"checkpoint","time":"t","epoch":"one","name":"x","best":true}\n{"kind":"completed","time":"t"}\n');

  const metrics = parseMetrics(readFileSync(metricsPath, 'utf8'));
  assert.equal(metrics.length, 1);
  const read = metrics[0];
  assert.ok(read?.kind === 'epoch');
  assert.ok(Number.isNaN(read.totalLoss) && Number.isNaN(read.datasets.a?.trainLoss));
  assert.equal(read.datasets.a?.valLoss, 0.5);
  assert.deepEqual(
    parseEvents(readFileSync(eventsPath, 'utf8')).map((event) => event.kind),
    ['checkpoint', 'completed'],
  );
});
