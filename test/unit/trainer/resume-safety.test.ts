/**
 * What `RunFolder.resume` does before a resumed run writes anything: takes the run's trainer lock
 * (one trainer per run; a lock left by a dead or unrelated process is taken over), removes the
 * temporaries of killed writers, and drops the records written after the checkpoint — tested on
 * hand-made run folders.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TRAINER_LOCK, TrainerLock, type TrainerLockHolder } from '../../../src/node/trainerLock';
import type { RunRecord } from '../../../src/shared/runs/format';
import { UserError } from '../../../src/trainer/errors';
import { RunFolder } from '../../../src/trainer/runs/runFolder';

/** A pid that ran and has exited (and was reaped). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid ?? 999_999;

function handMadeRun(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'jointrain-resume-'));
  mkdirSync(join(dir, 'checkpoints'));
  const record = {
    formatVersion: 1,
    id: 'hand-made',
    experimentName: 'tiny',
    experimentPath: '/x.jointrain.yaml',
    status: 'failed',
    pid: deadPid(),
    seed: 1,
    epochs: { total: 4, completed: 2 },
    timings: { startedAt: '2026-01-01T00:00:00Z' },
    datasets: [],
    heads: {},
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const jsonLines = (records: object[]) => records.map((record) => `${JSON.stringify(record)}\n`).join('');
const readLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((text) => JSON.parse(text) as { kind: string; epoch?: number; step?: number });

test('resume drops the records after the checkpoint: later steps and epochs, torn lines, later events; a stop and earlier resumes at that checkpoint stay', () => {
  const t = '2026-01-01T00:00:00Z';
  const dir = handMadeRun({
    'metrics.jsonl':
      jsonLines([
        { kind: 'step', epoch: 1, step: 1 },
        { kind: 'epoch', epoch: 1 },
        { kind: 'step', epoch: 2, step: 1 },
        { kind: 'epoch', epoch: 2 },
        { kind: 'step', epoch: 3, step: 1 },
      ]) + '{"kind":"step","epo',
    'events.jsonl':
      jsonLines([
        { kind: 'started', time: t },
        { kind: 'checkpoint', time: t, epoch: 1, name: 'epoch-0001', best: true },
        { kind: 'weights-requested', time: t, epoch: 2, step: 1, change: {} },
        { kind: 'checkpoint', time: t, epoch: 2, name: 'epoch-0002', best: true },
        { kind: 'stopped', time: t, epoch: 2 },
        { kind: 'resumed-from-checkpoint', time: t, epoch: 2, checkpoint: 'epoch-0002', skipped: [] },
        { kind: 'weights-requested', time: t, epoch: 3, step: 1, change: {} },
        { kind: 'resumed-from-checkpoint', time: t, epoch: 2, checkpoint: 'epoch-0002', skipped: [] },
        { kind: 'checkpoint', time: t, epoch: 3, name: 'epoch-0003', best: false },
        { kind: 'resumed-from-checkpoint', time: t, epoch: 3, checkpoint: 'epoch-0003', skipped: [] },
        { kind: 'failed', time: t, message: 'killed' },
      ]) + '{"kind":"chec',
  });
  RunFolder.resume(dir, 2).close();
  assert.deepEqual(
    readLines(join(dir, 'metrics.jsonl')).map(({ kind, epoch }) => `${kind}@${epoch}`),
    ['step@1', 'epoch@1', 'step@2', 'epoch@2'],
  );
  assert.deepEqual(
    readLines(join(dir, 'events.jsonl')).map(({ kind, epoch }) => `${kind}@${epoch}`),
    ['started@undefined', 'checkpoint@1', 'weights-requested@2', 'checkpoint@2', 'stopped@2', 'resumed-from-checkpoint@2', 'resumed-from-checkpoint@2'],
  );
});

test('resume when the kill came between writing a checkpoint and recording it keeps the events before the next epoch', () => {
  const t = '2026-01-01T00:00:00Z';
  const dir = handMadeRun({
    'metrics.jsonl': '',
    'events.jsonl': jsonLines([
      { kind: 'started', time: t },
      { kind: 'checkpoint', time: t, epoch: 1, name: 'epoch-0001', best: true },
      { kind: 'weights-requested', time: t, epoch: 2, step: 3, change: {} },
      { kind: 'weights-applied', time: t, epoch: 3, sampling: {}, loss: {} },
    ]),
  });
  RunFolder.resume(dir, 2).close();
  assert.deepEqual(
    readLines(join(dir, 'events.jsonl')).map(({ kind }) => kind),
    ['started', 'checkpoint', 'weights-requested'],
  );
});

test('resume removes the temporaries of killed writers and keeps those of live ones', () => {
  const dead = deadPid();
  const dir = handMadeRun({ 'run.json.tmp-1': '' });
  writeFileSync(join(dir, `run.json.tmp-${dead}`), '{');
  mkdirSync(join(dir, 'checkpoints', `.epoch-0003.tmp-${dead}`));
  writeFileSync(join(dir, 'checkpoints', `.epoch-0003.tmp-${dead}`, 'model.json'), '{');
  writeFileSync(join(dir, 'checkpoints', `latest.tmp-${dead}`), 'epoch-0003');
  mkdirSync(join(dir, 'checkpoints', 'epoch-0002'));
  writeFileSync(join(dir, 'checkpoints', 'epoch-0002', `state.json.tmp-${dead}`), '{');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', `weights.bin.tmp-${dead}`), '');
  writeFileSync(join(dir, 'model', `weights.bin.tmp-${process.pid}`), 'a live writer');
  writeFileSync(join(dir, 'notes.tmp-draft'), 'not a temporary of ours');
  RunFolder.resume(dir, 2).close();
  const left = (folder: string) => readdirSync(join(dir, folder)).sort();
  // pid 1 (init) is alive: its name is kept even though no trainer wrote it.
  assert.deepEqual(
    left('.').filter((name) => name.includes('.tmp')),
    ['notes.tmp-draft', 'run.json.tmp-1'],
  );
  assert.deepEqual(left('checkpoints'), ['epoch-0002']);
  assert.deepEqual(left('checkpoints/epoch-0002'), []);
  assert.deepEqual(left('model'), [`weights.bin.tmp-${process.pid}`]);
});

test('a run being trained refuses a second trainer, says by whom and what to do, and is free again once released', () => {
  const dir = handMadeRun();
  const first = RunFolder.resume(dir, 0);
  assert.throws(
    () => RunFolder.resume(dir, 0),
    (error: unknown) =>
      error instanceof UserError &&
      error.message.startsWith(`run hand-made is being resumed by pid ${process.pid}`) &&
      /wait for it to end, or stop it/.test(error.hint ?? ''),
  );
  assert.equal((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord).pid, process.pid, 'the refused trainer wrote nothing');
  first.close();
  assert.equal(existsSync(join(dir, TRAINER_LOCK)), false, 'closing the run removes its lock');
  RunFolder.resume(dir, 0).close();
});

test('a lock whose pid is dead, or reused by a process that started at another time, is taken over', () => {
  const lockOf = (holder: Partial<TrainerLockHolder>) => `${JSON.stringify({ token: 'old', role: 'resume', acquiredAt: '2026-01-01T00:00:00Z', ...holder })}\n`;
  for (const stale of [lockOf({ pid: deadPid() }), lockOf({ pid: process.ppid, processStart: '1' }), 'not json']) {
    const dir = handMadeRun({ [TRAINER_LOCK]: stale });
    const outcome = TrainerLock.acquire(dir, 'resume');
    assert.ok('held' in outcome, stale);
    assert.equal((JSON.parse(readFileSync(join(dir, TRAINER_LOCK), 'utf8')) as TrainerLockHolder).pid, process.pid);
    outcome.held.release();
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.startsWith(TRAINER_LOCK)),
      [],
      'nothing is left beside the lock',
    );
  }
});

test('a lock held by a live trainer is reported with its holder, and only its own holder removes it', () => {
  const dir = handMadeRun();
  const outcome = TrainerLock.acquire(dir, 'run');
  assert.ok('held' in outcome);
  assert.deepEqual(TrainerLock.holderOf(dir), outcome.held.holder);
  const second = TrainerLock.acquire(dir, 'resume');
  assert.ok('heldBy' in second && second.heldBy.token === outcome.held.holder.token);
  outcome.held.release();
  assert.equal(TrainerLock.holderOf(dir), undefined);
});
