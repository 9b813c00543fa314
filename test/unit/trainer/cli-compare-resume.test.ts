/**
 * `jointrain compare` of real run folders (trained here on the tiny workspace) and the run folders
 * `compare` and `resume` refuse: one with no completed epoch, a missing or broken file, a completed
 * run, a run whose trainer still holds its lock or still runs. Each refusal names the run or the file.
 */
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { TrainerLock } from '../../../src/node/trainerLock';
import type { MetricRecord, RunRecord } from '../../../src/shared/runs/format';
import { lastEpochRecord, parseMetrics } from '../../../src/shared/runs/readRecords';
import { writeTinyWorkspace, type TinyWorkspace } from '../../fixtures/tinyWorkspace';
import { runCli, temporaryFolder } from './cli-support/captureCli';

let workspace: TinyWorkspace;
/** Two-epoch runs of the tiny workspace: uniform mixing (twice) and proportional mixing. */
const runs = { uniform: '', again: '', proportional: '' };

before(async () => {
  workspace = await writeTinyWorkspace(temporaryFolder(), { epochs: 2 });
  const train = async (id: string, ...extra: string[]) => {
    const { code, stdout, stderr } = await runCli([
      'run',
      workspace.experimentFile,
      '--quiet',
      '--json',
      '--runs-dir',
      workspace.runsDir,
      '--run-id',
      id,
      ...extra,
    ]);
    assert.equal(code, 0, stderr);
    return (JSON.parse(stdout) as { runDir: string }).runDir;
  };
  runs.uniform = await train('tiny-uniform');
  runs.again = await train('tiny-again');
  runs.proportional = await train('tiny-proportional', '--set', 'mixing.strategy=proportional');
});

const readRecord = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
const writeRecord = (runDir: string, changes: Partial<RunRecord>) =>
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ ...readRecord(runDir), ...changes }));

/** A copy of a run folder to spoil, in a folder of its own. */
function copyOf(runDir: string): string {
  const copy = join(temporaryFolder('jointrain-cli-run-'), 'run');
  cpSync(runDir, copy, { recursive: true });
  return copy;
}

type EpochRecord = Extract<MetricRecord, { kind: 'epoch' }>;
const lastEpoch = (runDir: string) => lastEpochRecord(parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'))) as EpochRecord;
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

test('`compare --markdown`: validation accuracy per dataset (MAE for regression), the worst and the mean, then the fields that differ; columns labelled by what tells the run ids apart', async () => {
  const { code, stdout, stderr } = await runCli(['compare', runs.uniform, runs.proportional, '--markdown']);
  assert.deepEqual([code, stderr], [0, '']);
  // The expected cells, from the runs' own metrics.
  const epochs = [lastEpoch(runs.uniform), lastEpoch(runs.proportional)];
  const cells = (name: string) =>
    epochs.map((epoch) => {
      const m = epoch.datasets[name];
      return m?.valAccuracy !== undefined ? percent(m.valAccuracy) : `mae ${(m?.valMae ?? Number.NaN).toFixed(3)}`;
    });
  const accuracies = epochs.map((epoch) => ['big', 'small', 'table'].map((name) => epoch.datasets[name]?.valAccuracy as number));
  assert.equal(
    stdout,
    [
      '| validation accuracy | uniform | proportional |',
      '|---|---|---|',
      ...['big', 'small', 'table', 'reg'].map((name) => `| ${name} | ${cells(name).join(' | ')} |`),
      `| **worst** | ${accuracies.map((values) => percent(Math.min(...values))).join(' | ')} |`,
      `| **mean** | ${accuracies.map((values) => percent(values.reduce((sum, a) => sum + a, 0) / values.length)).join(' | ')} |`,
      '| field that differs | uniform | proportional |',
      '|---|---|---|',
      '| mixing.strategy | uniform | proportional |',
      '',
    ].join('\n'),
  );
});

test('`compare` as text tables: the same rows without Markdown; runs of the same experiment are said to be the same in every field', async () => {
  const { code, stdout, stderr } = await runCli(['compare', runs.uniform, runs.again]);
  assert.deepEqual([code, stderr], [0, '']);
  assert.match(stdout, /^│ validation accuracy │ uniform +│ again +│$/m);
  for (const name of ['big', 'small', 'table', 'worst', 'mean']) assert.match(stdout, new RegExp(`^│ ${name} +│ \\d+\\.\\d% +│ \\d+\\.\\d% +│$`, 'm'));
  assert.match(stdout, /^│ reg +│ mae \d\.\d{3} +│ mae \d\.\d{3} +│$/m);
  assert.doesNotMatch(stdout, /\*\*/);
  assert.ok(stdout.endsWith('┘\nThe experiments are the same in every field.\n'), stdout);
});

test('`compare` of a run that has no completed epoch yet names the run, exit 1', async () => {
  const copy = copyOf(runs.uniform);
  writeFileSync(
    join(copy, 'metrics.jsonl'),
    readFileSync(join(copy, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => !line.includes('"kind":"epoch"'))
      .join('\n'),
  );
  assert.deepEqual(await runCli(['compare', runs.uniform, copy]), { code: 1, stdout: '', stderr: 'error: run tiny-uniform has no completed epoch yet\n' });
});

test('`compare` of a run folder missing its metrics names the file and the fix, not a stack', async () => {
  const copy = copyOf(runs.uniform);
  rmSync(join(copy, 'metrics.jsonl'));
  assert.deepEqual(await runCli(['compare', copy, runs.again]), {
    code: 1,
    stdout: '',
    stderr: `error: ${join(copy, 'metrics.jsonl')}: no such file or folder (ENOENT)\nhint: check the path\n`,
  });
});

test('`compare` and `resume` of a folder whose run.json is broken name the field and what to do', async () => {
  const copy = copyOf(runs.uniform);
  writeFileSync(join(copy, 'run.json'), JSON.stringify({ formatVersion: 1, id: 'r1', status: 'sleeping' }));
  for (const args of [
    ['compare', copy, runs.uniform],
    ['resume', copy],
  ]) {
    const { code, stdout, stderr } = await runCli(args);
    assert.deepEqual([code, stdout], [1, ''], args[0]);
    assert.match(
      stderr,
      /^error: .*run\.json.*experimentName: .*: not a run record jointrain can read\nhint: restore run\.json from a backup, or start the run again with `jointrain run`\n$/,
    );
  }
});

test('`resume` of a completed run: nothing to resume, exit 1, the run untouched', async () => {
  const before = readFileSync(join(runs.uniform, 'run.json'), 'utf8');
  assert.deepEqual(await runCli(['resume', runs.uniform]), {
    code: 1,
    stdout: '',
    stderr: 'error: run tiny-uniform has completed: there is nothing to resume\n',
  });
  assert.equal(readFileSync(join(runs.uniform, 'run.json'), 'utf8'), before);
});

test('`resume` of a run whose lock a live trainer holds says which pid holds it since when, and how to go on', async () => {
  const copy = copyOf(runs.uniform);
  writeRecord(copy, { status: 'stopped' });
  const outcome = TrainerLock.acquire(copy, 'resume');
  assert.ok('held' in outcome);
  try {
    const { code, stdout, stderr } = await runCli(['resume', copy]);
    assert.deepEqual([code, stdout], [1, '']);
    assert.equal(
      stderr,
      `error: run tiny-uniform is being resumed by pid ${process.pid} (since ${outcome.held.holder.acquiredAt})\n` +
        `hint: wait for it to end, or stop it (echo '{"type":"stop"}' >> ${join(copy, 'control.jsonl')}) and resume it again; a lock left by a trainer that died is taken over by the next resume\n`,
    );
  } finally {
    outcome.held.release();
  }
});

test('`resume` of a run still training (its status live and its pid alive) is refused; once its trainer is gone, it resumes from the newest checkpoint', async () => {
  const copy = copyOf(runs.uniform);
  writeRecord(copy, { status: 'running', pid: process.pid });
  assert.deepEqual(await runCli(['resume', copy]), {
    code: 1,
    stdout: '',
    stderr: `error: run tiny-uniform is still training (pid ${process.pid})\nhint: stop it first, or attach to it from VS Code\n`,
  });

  // What a trainer killed during epoch 2's checkpoint leaves: status still running, its pid gone, epoch 1 the newest checkpoint.
  rmSync(join(copy, 'checkpoints', 'epoch-0002'), { recursive: true });
  writeFileSync(join(copy, 'checkpoints', 'latest'), 'epoch-0001\n');
  writeRecord(copy, { status: 'running', pid: 2 ** 30 });
  const { code, stdout, stderr } = await runCli(['resume', copy, '--quiet', '--json']);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  const result = JSON.parse(stdout) as { runDir: string; status: string; lastEpoch: { epoch: number } };
  assert.deepEqual([result.runDir, result.status, result.lastEpoch.epoch], [copy, 'completed', 2]);
  const record = readRecord(copy);
  assert.deepEqual([record.status, record.pid, record.resumes?.map((resume) => resume.checkpoint)], ['completed', process.pid, ['epoch-0001']]);
});

test('a file-system error during a resume names the path, and its hint says the run can be resumed again once it is fixed; run.json says failed', async () => {
  const copy = copyOf(runs.uniform);
  writeRecord(copy, { status: 'stopped' });
  // The cache folder exists, but where its decoded images go is a file.
  const cacheDir = temporaryFolder();
  writeFileSync(join(cacheDir, 'images'), 'a file');
  const { code, stdout, stderr } = await runCli(['resume', copy, '--quiet', '--cache-dir', cacheDir]);
  assert.deepEqual([code, stdout], [1, '']);
  assert.match(
    stderr,
    new RegExp(
      `^error: ${cacheDir}/images\\S*: a part of the path is a file, not a folder \\(ENOTDIR\\)\\nhint: check the path, then continue the run with \`jointrain resume ${copy}\`\\n$`,
    ),
  );
  const record = readRecord(copy);
  assert.equal(record.status, 'failed');
  assert.match(record.error ?? '', /ENOTDIR/);
});
