/**
 * The host side of a run without VS Code: the supervisor starts a detached trainer, attaches to its
 * channel, relays its messages and controls it, and a trainer that dies is
 * recorded as a failed run with the tail of its output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { TrainerMessage } from '../../src/shared/protocol/trainerMessages';
import type { RunRecord } from '../../src/shared/runs/format';
import { RunStore } from '../../src/extension/runs/runStore';
import { launchTrainer } from '../../src/extension/trainers/trainerLauncher';
import { TrainerSupervisor } from '../../src/extension/trainers/trainerSupervisor';
import { isProcessAlive } from '../../src/node/processLiveness';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';

const TRAINER = resolve(__dirname, '..', '..', 'dist', 'trainer.js');
const node = { command: process.execPath, env: {} };

/** The launcher unrefs the detached child, so its exit alone does not keep this process waiting. */
async function exitOf(launched: { exited: Promise<number | null> }): Promise<number | null> {
  const alive = setInterval(() => undefined, 1000);
  try {
    return await launched.exited;
  } finally {
    clearInterval(alive);
  }
}

test('the supervisor starts a detached trainer, attaches to it as soon as it listens, relays its messages and stops it', async () => {
  const workspace = await createTinyWorkspace({ epochs: 200 });
  const store = new RunStore([workspace.runsDir]);
  const messages: TrainerMessage[] = [];
  let stepped: () => void = () => undefined;
  const gotStep = new Promise<void>((resolveStep) => (stepped = resolveStep));
  const trainers = new TrainerSupervisor(store, {
    onMessage: (_, message) => {
      messages.push(message);
      if (message.type === 'step') stepped();
    },
    onLog: () => undefined,
  });
  const launched = await trainers.start({
    experimentFile: workspace.experimentFile,
    runsDir: workspace.runsDir,
    trainerScript: TRAINER,
    node,
    cwd: workspace.dir,
  });
  try {
    assert.ok(launched.pid > 0);
    // No reconcile here: following the new run is the supervisor's job.
    await gotStep;
    assert.equal(trainers.isConnected(launched.runId), true);
    assert.deepEqual(messages[0] && { type: messages[0].type, runId: 'runId' in messages[0] ? messages[0].runId : '' }, {
      type: 'hello',
      runId: launched.runId,
    });

    assert.equal(await trainers.send(launched.runId, { type: 'stop' }), 'channel');
    assert.equal(await exitOf(launched), 0);
    const record = JSON.parse(readFileSync(join(launched.runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.status, 'stopped');
    assert.equal(record.pid, launched.pid);
    assert.ok(messages.some((m) => m.type === 'status' && m.status === 'stopped'));
  } finally {
    trainers.dispose();
    // A failed assertion must not leave a 200-epoch trainer running.
    if (isProcessAlive(launched.pid)) process.kill(launched.pid, 'SIGKILL');
  }
});

test('a trainer that dies mid-run leaves a failed run with its exit code and last output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointrain-crash-'));
  const runsDir = join(dir, 'runs');
  const script = join(dir, 'dying-trainer.js');
  // Stands in for a trainer that started a run, then crashed (an OOM, a native abort).
  writeFileSync(
    script,
    `const fs = require('fs'); const path = require('path');
     const args = process.argv.slice(2); const id = args[args.indexOf('--run-id') + 1]; const runs = args[args.indexOf('--runs-dir') + 1];
     fs.writeFileSync(path.join(runs, id, 'run.json'), JSON.stringify({ formatVersion: 1, id, experimentName: 'x', experimentPath: '', status: 'running', pid: process.pid, seed: 1, epochs: { total: 3, completed: 0 }, timings: { startedAt: new Date().toISOString() }, datasets: [], heads: {} }));
     console.error('loading data'); console.error('FATAL: native abort in kernel Conv2D'); process.exit(134);`,
  );
  const launched = await launchTrainer({ experimentFile: join(dir, 'x.jointrain.yaml'), runsDir, trainerScript: script, node, cwd: dir });
  const code = await exitOf(launched);
  assert.equal(code, 134);
  const store = new RunStore([runsDir]);
  await store.refreshAll();
  await new TrainerSupervisor(store, { onMessage: () => undefined, onLog: () => undefined }).trainerExited(launched.runDir, code);
  const record = JSON.parse(readFileSync(join(launched.runDir, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.status, 'failed');
  assert.match(record.error ?? '', /ended with exit code 134 without finishing the run; its last output:\nloading data\nFATAL: native abort in kernel Conv2D$/);
});
