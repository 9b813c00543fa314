/**
 * A run folder that stops accepting writes (a full disk) pauses the run with a message instead of
 * losing or tearing records; a resume while the disk is still full keeps it paused, and once the
 * disk accepts writes again the run continues with every record on disk, whole.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { RunEvent, RunRecord } from '../../src/shared/runs/format';
import { parseMetrics } from '../../src/shared/runs/readRecords';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { writeAtomically } from '../../src/node/atomicWrite';
import { fileIo, type RunFolderIo } from '../../src/trainer/runs/runFolder';
import { runExperiment } from '../../src/trainer/runExperiment';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';

const readRecord = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
const diskFull = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** Real writes, until `full`: then an append writes half its bytes and fails, as a full disk does. */
function fillableDisk(): RunFolderIo & { full: boolean } {
  return {
    full: false,
    append(fd, text) {
      if (this.full) {
        writeSync(fd, text.slice(0, Math.floor(text.length / 2)));
        throw diskFull();
      }
      writeSync(fd, text);
    },
    replace(path, text) {
      if (this.full) throw diskFull();
      writeAtomically(path, text);
    },
    // In place needs no new blocks: it works on a full disk too.
    overwrite: (path, text) => fileIo.overwrite(path, text),
  };
}

test('a full disk pauses the run with a message; a resume once it has space continues with every record whole', async () => {
  const workspace = await createTinyWorkspace({ epochs: 4 });
  const disk = fillableDisk();
  const commands = new PassThrough();
  const warnings: string[] = [];
  const statuses: string[] = [];
  let runDir = '';
  const onDisk: RunRecord[] = [];
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    io: disk,
    commands,
    reporter: {
      onRunCreated: (dir) => (runDir = dir),
      onStep: (record) => {
        if (record.epoch === 2 && record.step === 3) disk.full = true;
      },
      onStatus: (status) => statuses.push(status),
      onWarning: (message) => {
        warnings.push(message);
        if (warnings.length === 1) commands.write('{"type":"resume"}\n');
        else if (warnings.length === 2) {
          // Still paused (the first warning comes just before the pause is recorded).
          onDisk.push(readRecord(runDir));
          disk.full = false;
          commands.write('{"type":"resume"}\n');
        }
      },
    },
  });
  commands.end();

  assert.equal(result.record.status, 'completed');
  assert.match(warnings[0] ?? '', /^cannot write to .*: the disk is full \(ENOSPC\): training is paused; free space or fix permissions, then resume the run$/);
  assert.match(warnings[1] ?? '', /still not writable; the run stays paused$/);
  assert.equal(warnings.length, 2);
  assert.deepEqual(statuses.slice(0, 2), ['paused', 'running'], 'the host hears of the pause over the channel, which needs no disk');
  assert.equal(onDisk[0]?.status, 'paused', 'run.json says paused while the disk is full, not running');
  assert.match(onDisk[0]?.error ?? '', /the disk is full/);

  // Every line on disk is whole, and nothing was lost or doubled while the disk was full.
  const metricsText = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8');
  metricsText
    .trimEnd()
    .split('\n')
    .forEach((line) => assert.doesNotThrow(() => JSON.parse(line) as unknown, line));
  const metrics = parseMetrics(metricsText);
  assert.deepEqual(
    metrics.flatMap((m) => (m.kind === 'step' ? [m.globalStep] : [])),
    Array.from({ length: 24 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    metrics.flatMap((m) => (m.kind === 'epoch' ? [m.epoch] : [])),
    [1, 2, 3, 4],
  );
  const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as RunEvent);
  const paused = events.find((e): e is Extract<RunEvent, { kind: 'paused' }> => e.kind === 'paused');
  assert.match(paused?.reason ?? '', /the disk is full/);
  assert.ok(events.some((e) => e.kind === 'resumed'));
  assert.equal(events.at(-1)?.kind, 'completed');
  assert.equal((JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord).error, undefined, 'the error is cleared once writes work again');
});

test('a run stopped while paused on a full disk says so in run.json, and the disk never freed loses no record already written', async () => {
  const workspace = await createTinyWorkspace({ epochs: 4 });
  const disk = fillableDisk();
  const commands = new PassThrough();
  let runDir = '';
  let stepsBefore = 0;
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    io: disk,
    commands,
    reporter: {
      onRunCreated: (dir) => (runDir = dir),
      onStep: (record) => {
        if (record.epoch === 2 && record.step === 3) {
          disk.full = true;
          stepsBefore = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).filter((m) => m.kind === 'step').length;
        }
      },
      // Paused for the disk: the user gives up and stops the run (Ctrl-C does the same).
      onWarning: () => commands.write('{"type":"stop"}\n'),
    },
  });
  commands.end();

  assert.equal(result.record.status, 'stopped');
  const record = readRecord(runDir);
  assert.equal(record.status, 'stopped', 'not running, though the disk never freed');
  assert.match(record.error ?? '', /the disk is full/);
  const steps = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).filter((m) => m.kind === 'step');
  assert.ok(steps.length >= stepsBefore, 'what was on disk before the disk filled is still there');
});
