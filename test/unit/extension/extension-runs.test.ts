import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TrainerMessage } from '../../../src/shared/protocol/trainerMessages';
import type { MetricRecord, RunEvent, RunRecord } from '../../../src/shared/runs/format';
import { weightsProblem } from '../../../src/extension/commands/weightRequest';
import { RunStore } from '../../../src/extension/runs/runStore';
import { readRunSummary } from '../../../src/extension/runs/runSummary';
import { resolveNodeRuntime } from '../../../src/extension/trainers/nodeRuntime';
import { TrainerSupervisor } from '../../../src/extension/trainers/trainerSupervisor';
import { buildRunsTree } from '../../../src/extension/views/runsTree';
import { statusLine } from '../../../src/extension/views/statusLine';
import { markRunFailed } from '../../../src/node/runRecord';

function record(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    formatVersion: 1,
    id,
    experimentName: 'digits',
    experimentPath: '/ws/digits.jointrain.yaml',
    status: 'completed',
    pid: 999_999_999,
    seed: 1,
    epochs: { total: 4, completed: 4 },
    timings: { startedAt: `2026-11-29T10:00:${id.slice(9, 15).slice(-2)}.000Z` },
    datasets: [],
    heads: {},
    ...overrides,
  };
}

const step = (epoch: number, stepNo: number, loss: number): MetricRecord => ({
  kind: 'step',
  epoch,
  step: stepNo,
  globalStep: stepNo,
  time: '',
  totalLoss: loss,
  datasets: { clean: { samples: 8, loss, accuracy: 0.5 } },
});
const epochRecord = (epoch: number, valLoss: number): MetricRecord => ({
  kind: 'epoch',
  epoch,
  steps: 3,
  time: '',
  durationMs: 10,
  samplesPerSecond: 100,
  totalLoss: 1,
  datasets: {
    clean: {
      samples: 24,
      trainLoss: 1,
      trainAccuracy: 0.5,
      valLoss,
      valAccuracy: 0.75,
      configuredShare: 1,
      realizedShare: 1,
      lossShare: 1,
      epochsSeen: 1,
      samplingWeight: 1,
      lossWeight: 1,
    },
  },
});

function writeRun(runsDir: string, run: RunRecord, metrics: MetricRecord[] = [], extra = ''): string {
  const dir = join(runsDir, run.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + (metrics.length ? '\n' : '') + extra);
  return dir;
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'jointrain-ext-'));

describe('run folders as the host reads them', () => {
  test('a summary has the record and the newest step and epoch; a torn last line is ignored', async () => {
    const runs = tempDir();
    const dir = writeRun(runs, record('r1'), [step(1, 1, 2), epochRecord(1, 1.5), step(2, 1, 1.2)], '{"kind":"step","epo');
    const summary = await readRunSummary(dir);
    assert.equal(summary?.record.id, 'r1');
    assert.equal(summary?.lastStep?.totalLoss, 1.2);
    assert.equal(summary?.lastEpoch?.epoch, 1);
  });

  test('a folder without a valid run.json is not a run (yet)', async () => {
    const runs = tempDir();
    mkdirSync(join(runs, 'starting'));
    writeFileSync(join(runs, 'starting', 'trainer.log'), '');
    assert.equal(await readRunSummary(join(runs, 'starting')), undefined);
    writeFileSync(join(runs, 'starting', 'run.json'), JSON.stringify({ ...record('r0'), status: 'sleeping' }));
    assert.equal(await readRunSummary(join(runs, 'starting')), undefined, 'a record that does not parse is not trusted');
    writeFileSync(join(runs, 'starting', 'run.json'), '{"formatVersion":1,"id":"r0"');
    assert.equal(await readRunSummary(join(runs, 'starting')), undefined);
  });

  test('the store lists runs of every runs folder, notices new and deleted ones, and tells listeners', async () => {
    const [a, b] = [tempDir(), tempDir()];
    writeRun(a, record('r1'));
    const store = new RunStore([a, b, join(a, 'missing')]);
    let notified = 0;
    store.onDidChange(() => notified++);
    await store.refreshAll();
    assert.deepEqual(
      store.all().map((run) => run.record.id),
      ['r1'],
    );
    const second = writeRun(b, record('r2'));
    await store.refreshRun(second);
    assert.deepEqual(
      store
        .all()
        .map((run) => run.record.id)
        .sort(),
      ['r1', 'r2'],
    );
    rmSync(second, { recursive: true });
    await store.refreshAll();
    assert.deepEqual(
      store.all().map((run) => run.record.id),
      ['r1'],
    );
    assert.equal(notified, 3);
  });

  test('the store says when it has read the runs folders once, so a panel restored at activation does not take it for empty', async () => {
    const runs = tempDir();
    writeRun(runs, record('r1'));
    const store = new RunStore([runs]);
    let loaded = false;
    void store.loaded.then(() => (loaded = true));
    await Promise.resolve();
    assert.equal(loaded, false);
    assert.equal(store.get('r1'), undefined);
    const refreshed = store.refreshAll();
    await store.loaded;
    assert.equal(store.get('r1')?.record.id, 'r1', 'loaded only once the first read is in');
    await refreshed;
  });
});

describe('the Runs tree', () => {
  test('a run’s tooltip lists its newest events in the panel timeline’s words', async () => {
    const runs = tempDir();
    const dir = writeRun(runs, record('20261129-100002-digits-bbbb', { status: 'paused', epochs: { total: 4, completed: 2 } }));
    const events: RunEvent[] = [
      { kind: 'started', time: '2026-11-29T10:00:02Z', backend: 'wasm' },
      { kind: 'weights-requested', time: '2026-11-29T10:00:03Z', epoch: 2, step: 4, change: { sampling: { small: 3 } }, requestId: 'panel-1' },
      { kind: 'weights-applied', time: '2026-11-29T10:00:04Z', epoch: 3, sampling: { small: 3 }, loss: { small: 1 }, requestId: 'panel-1' },
      { kind: 'paused', time: '2026-11-29T10:00:05Z', epoch: 3, step: 2 },
    ];
    writeFileSync(join(dir, 'events.jsonl'), events.map((event) => JSON.stringify(event)).join('\n') + '\n');
    const store = new RunStore([runs]);
    await store.refreshAll();
    const tooltip = buildRunsTree(store.all(), (iso) => iso.slice(11, 19))[0]?.children[0]?.tooltip ?? '';
    assert.match(
      tooltip,
      /\nrecent events:\n {2}Training started on the wasm backend\.\n {2}epoch 2: Weight change asked from the panel during epoch 2: applies when epoch 3 starts\.\n {2}epoch 3: Weights changed from epoch 3, asked from the panel\.\n {2}epoch 3: Paused in epoch 3\.$/,
    );
  });

  test('runs are grouped by experiment, newest first, with status, epochs, best metric and backend', async () => {
    const runs = tempDir();
    const store = new RunStore([runs]);
    writeRun(
      runs,
      record('20261129-100001-digits-aaaa', {
        best: { epoch: 3, monitor: 'val_loss_mean', value: 0.4123, checkpoint: 'epoch-0003' },
        backend: { name: 'wasm', requested: 'auto', usingGpu: false, skipped: [] },
      }),
    );
    writeRun(runs, record('20261129-100002-digits-bbbb', { status: 'running', epochs: { total: 4, completed: 1 } }), [step(2, 5, 0.9)]);
    writeRun(runs, record('20261129-100003-other-cccc', { experimentName: 'other', experimentPath: '/ws/other.jointrain.yaml', datasets: [] }), [
      epochRecord(1, 0.25),
    ]);
    await store.refreshAll();
    const tree = buildRunsTree(store.all(), (iso) => iso.slice(11, 19));
    assert.deepEqual(
      tree.map((node) => [node.label, node.description]),
      [
        ['other', '1 run'],
        ['digits', '2 runs'],
      ],
    );
    const digits = tree[1]?.children ?? [];
    assert.deepEqual(
      digits.map((run) => [run.label, run.description, run.contextValue]),
      [
        ['10:00:02', 'epoch 2 of 4 (running)', 'run.running'],
        ['10:00:01', 'epoch 4 of 4 (completed) · best val_loss_mean 0.412 · wasm', 'run.completed'],
      ],
    );
    assert.deepEqual(
      digits[0]?.children.map((d) => [d.label, d.description]),
      [['clean', 'loss 0.900 · acc 50.0%']],
    );
    assert.deepEqual(
      tree[0]?.children[0]?.children.map((d) => [d.label, d.description]),
      [['clean', 'val loss 0.250 · acc 75.0%']],
    );
  });
});

describe('the trainer runtime', () => {
  const probe = (versions: Record<string, string>) => async (command: string) => {
    const version = versions[command];
    if (version === undefined) throw new Error('ENOENT');
    return `${version}\n`;
  };
  test('a configured node of version 20+ is used as is', async () => {
    assert.deepEqual(await resolveNodeRuntime('/opt/node22/bin/node', probe({ '/opt/node22/bin/node': 'v22.1.0' }), '/vscode'), {
      command: '/opt/node22/bin/node',
      env: {},
    });
  });
  test('a configured node that is too old or cannot run is an error that names the setting', async () => {
    await assert.rejects(
      resolveNodeRuntime('/old/node', probe({ '/old/node': 'v18.19.0' }), '/vscode'),
      /jointrain\.nodePath "\/old\/node" is Node 18\.19\.0; jointrain needs Node 20 or newer/,
    );
    await assert.rejects(resolveNodeRuntime('/nope', probe({}), '/vscode'), /jointrain\.nodePath "\/nope" could not be run/);
  });
  test('node on PATH is used when it is 20+, else VS Code’s runtime with a notice', async () => {
    assert.equal((await resolveNodeRuntime(undefined, probe({ node: 'v20.20.2' }), '/vscode')).command, 'node');
    const fallback = await resolveNodeRuntime(undefined, probe({ node: 'v16.0.0' }), '/vscode/code');
    assert.deepEqual([fallback.command, fallback.env], ['/vscode/code', { ELECTRON_RUN_AS_NODE: '1' }]);
    assert.match(fallback.notice ?? '', /found 16\.0\.0\).*native TensorFlow backends may not load/);
  });
});

describe('the trainer supervisor', () => {
  test('a run that claims to be running but whose trainer is gone is marked failed with the tail of its log', async () => {
    const runs = tempDir();
    const dir = writeRun(runs, record('r1', { status: 'running', pid: 4242 }));
    writeFileSync(join(dir, 'trainer.log'), `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\nError: out of memory\n`);
    const store = new RunStore([runs]);
    await store.refreshAll();
    const logs: string[] = [];
    await new TrainerSupervisor(store, { onMessage: () => undefined, onLog: (line) => logs.push(line) }, { alive: () => false }).reconcile();
    const saved = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(saved.status, 'failed');
    assert.match(
      saved.error ?? '',
      /^the trainer process \(pid 4242\) ended without finishing the run; its last output:\nline 11\n[\s\S]*line 29\nError: out of memory$/,
    );
    assert.ok(saved.timings.endedAt);
    assert.equal(store.get('r1')?.record.status, 'failed');
  });

  test('a trainer this host started that exits while its run is live is a crash, with its exit code', async () => {
    const runs = tempDir();
    const dir = writeRun(runs, record('r1', { status: 'running' }));
    const store = new RunStore([runs]);
    await store.refreshAll();
    await new TrainerSupervisor(store, { onMessage: () => undefined, onLog: () => undefined }, { alive: () => true }).trainerExited(dir, 134);
    assert.match(store.get('r1')?.record.error ?? '', /ended with exit code 134 without finishing the run/);
  });

  test('a run resumed by another trainer meanwhile is not marked failed for the old trainer’s exit', async () => {
    const runs = tempDir();
    const dir = writeRun(runs, record('r1', { status: 'running', pid: 4242 }));
    const store = new RunStore([runs]);
    await store.refreshAll();
    const stale = store.get('r1');
    writeRun(runs, record('r1', { status: 'running', pid: 4343 }));
    assert.ok(stale);
    assert.equal(await markRunFailed(dir, stale.record.pid, 'gone'), false);
    assert.equal((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord).status, 'running');
  });

  test('it attaches to a live trainer’s channel, relays valid messages, drops invalid ones and sends commands', async () => {
    const runs = tempDir();
    const socketPath = join(tempDir(), 'trainer.sock');
    const received: string[] = [];
    let client: Socket | undefined;
    const server = createServer((socket) => {
      client = socket;
      socket.on('data', (data) => received.push(...data.toString().trim().split('\n')));
      socket.write(`${JSON.stringify({ type: 'hello', protocol: 1, runId: 'r1', pid: process.pid, status: 'running' })}\n`);
      socket.write('{"type":"step","epoch":"one"}\n');
      socket.write(`${JSON.stringify({ type: 'status', status: 'paused' })}\n`);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    writeRun(runs, record('r1', { status: 'running', pid: process.pid, channel: { path: socketPath } }));
    const store = new RunStore([runs]);
    await store.refreshAll();
    const messages: TrainerMessage[] = [];
    const logs: string[] = [];
    const gotStatus = new Promise<void>((resolve) => {
      const trainers = new TrainerSupervisor(store, {
        onMessage: (_, message) => {
          messages.push(message);
          if (message.type === 'status') resolve();
        },
        onLog: (line) => logs.push(line),
      });
      void trainers.reconcile().then(async () => {
        assert.equal(trainers.isConnected('r1'), true);
        assert.equal(await trainers.send('r1', { type: 'resume' }), 'channel');
      });
    });
    await gotStatus;
    assert.deepEqual(
      messages.map((m) => m.type),
      ['hello', 'status'],
    );
    assert.ok(
      logs.some((line) => /ignored an invalid message from the trainer: epoch: .*"step","epoch":"one"/.test(line)),
      logs.join('\n'),
    );
    await new Promise<void>((resolve) => {
      const check = () => (received.includes('{"type":"resume"}') ? resolve() : setImmediate(check));
      check();
    });
    client?.destroy();
    server.close();
  });

  test('without a channel, commands go to the run’s control.jsonl', async () => {
    const runs = tempDir();
    const dir = writeRun(runs, record('r1', { status: 'running', pid: process.pid }));
    const store = new RunStore([runs]);
    await store.refreshAll();
    const trainers = new TrainerSupervisor(store, { onMessage: () => undefined, onLog: () => undefined });
    assert.equal(await trainers.send('r1', { type: 'stop' }), 'control-file');
    assert.equal(readFileSync(join(dir, 'control.jsonl'), 'utf8'), '{"type":"stop"}\n');
  });
});

describe('status line and weight requests', () => {
  test('the status line names the run, its progress and the dataset with the worst loss', () => {
    const line = statusLine('digits', 'running', {
      type: 'step',
      epoch: 2,
      totalEpochs: 12,
      step: 40,
      stepsInEpoch: 91,
      samplesPerSecond: 5123.4,
      datasets: { clean: { samples: 30, loss: 0.2, accuracy: 0.9 }, scanned: { samples: 20, loss: 1.061, accuracy: 0.6 } },
    });
    assert.equal(line.text, '$(sync~spin) digits · epoch 2 of 12 (running) · step 40/91 · worst scanned 1.061');
    assert.match(line.tooltip, /5123 samples\/s\nclean: loss 0\.200, acc 90\.0%\nscanned: loss 1\.061, acc 60\.0%/);
    assert.equal(statusLine('digits', 'paused', undefined).text, '$(debug-pause) digits: starting');
    // Paused at an epoch boundary: the last step was of epoch 2, run.json counts it finished.
    const lastOfEpoch2 = { type: 'step', epoch: 2, totalEpochs: 12, step: 91, stepsInEpoch: 91, samplesPerSecond: 1, datasets: {} } as const;
    assert.equal(statusLine('digits', 'paused', lastOfEpoch2, { completed: 2, total: 12 }).text, '$(debug-pause) digits · epoch 3 of 12 (paused)');
    // After a window reload, until the first live step: the epochs from run.json, the fourth in progress.
    assert.equal(statusLine('digits', 'running', undefined, { completed: 3, total: 40 }).text, '$(sync~spin) digits · epoch 4 of 40 (running)');
  });

  test('a typed weight change must be a JSON object of finite non-negative weights for datasets of the run, not all zero once applied', () => {
    const current = { sampling: { a: 1, b: 1 }, loss: { a: 1, b: 1 } };
    assert.equal(weightsProblem('{"sampling":{"a":2},"loss":{"b":0.5}}', current), undefined);
    assert.equal(weightsProblem('{"sampling":{"a":0}}', current), undefined, 'one dataset to zero while the other keeps its weight');
    assert.equal(weightsProblem('{"sampling":', current), 'not valid JSON');
    assert.match(weightsProblem('[1]', current) ?? '', /not a JSON object/);
    assert.match(weightsProblem('{"sampling":{"a":-1}}', current) ?? '', /sampling\.a: Too small/);
    assert.match(weightsProblem('{"loss":{"a":0,"b":0}}', current) ?? '', /loss weights would all be zero/);
    assert.match(weightsProblem('{"sampling":{"a":"x"}}', current) ?? '', /sampling\.a/);
    assert.match(weightsProblem('{"sampling":{"constructor":1}}', current) ?? '', /sampling weight for unknown dataset 'constructor' \(datasets: a, b\)/);
    assert.match(weightsProblem('{"loss":{"c":1}}', current) ?? '', /loss weight for unknown dataset 'c'/);
    assert.equal(weightsProblem('{"augment":["a"]}', current), undefined, 'switching on a dataset’s augment: auto alone');
    assert.match(weightsProblem('{"augment":["c"]}', current) ?? '', /augmentation for unknown dataset 'c' \(datasets: a, b\)/);
    assert.match(weightsProblem('{"augment":["a","a"]}', current) ?? '', /augmentation names a dataset twice/);
    assert.match(weightsProblem('{"augment":"a"}', current) ?? '', /augment/);
  });
});
