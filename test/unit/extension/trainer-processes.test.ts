/**
 * Trainer processes as the host starts and follows them, with a fake trainer script in place of
 * dist/trainer.js (it writes a run record, maybe listens on a channel, and ends at once or when
 * told to stop: it trains nothing).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { RunStore } from '../../../src/extension/runs/runStore';
import { TrainerConnection } from '../../../src/extension/trainers/trainerConnection';
import { launchResume, launchTrainer } from '../../../src/extension/trainers/trainerLauncher';
import { TrainerSupervisor } from '../../../src/extension/trainers/trainerSupervisor';
import { TRAINER_PROTOCOL_VERSION } from '../../../src/shared/protocol/trainerCommands';
import type { TrainerMessage } from '../../../src/shared/protocol/trainerMessages';
import type { RunRecord } from '../../../src/shared/runs/format';
import { until } from './support/fakeVscode';
import { fakeTrainerScript, runRecord, tempDir, writeRun } from './support/runFixtures';

/**
 * Prints what it was asked (into trainer.log), writes run.json as `FAKE_RECORD` (its id and pid
 * filled in) with `FAKE_STATUS`, optionally listens on a channel until told to stop, and exits
 * with `FAKE_EXIT`.
 */
const TRAINER = `
console.log(JSON.stringify({ command, args, cwd: process.cwd(), marker: process.env.FAKE_MARKER }));
const runDir = command === 'run' ? path.join(args[args.indexOf('--runs-dir') + 1], args[args.indexOf('--run-id') + 1]) : args[0];
const exit = () => { process.exitCode = Number(process.env.FAKE_EXIT || 0); };
if (!process.env.FAKE_RECORD) return exit();
const record = { ...JSON.parse(process.env.FAKE_RECORD), id: path.basename(runDir), pid: process.pid };
const write = (status, extra = {}) => fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ ...record, status, ...extra }));
if (!process.env.FAKE_CHANNEL) { write(process.env.FAKE_STATUS); return exit(); }
const channel = path.join(runDir, 'channel.sock');
const safety = setTimeout(() => process.exit(9), 20000);
const server = require('node:net').createServer((socket) => {
  socket.write(JSON.stringify({ type: 'hello', protocol: ${TRAINER_PROTOCOL_VERSION}, runId: record.id, pid: process.pid, status: 'running' }) + '\\n');
  socket.write('not json\\n');
  socket.on('data', (data) => {
    if (!String(data).includes('"stop"')) return;
    write('stopped', { channel: { path: channel } });
    socket.write(JSON.stringify({ type: 'status', status: 'stopped' }) + '\\n');
    clearTimeout(safety);
    socket.end();
    server.close();
  });
});
server.listen(channel, () => write('running', { channel: { path: channel } }));
`;

function trainer(env: Record<string, string> = {}) {
  const script = fakeTrainerScript(tempDir('fake-trainer-'), `(() => {${TRAINER}})();`);
  return { script, node: { command: process.execPath, env } };
}

const readLog = (runDir: string) =>
  readFileSync(join(runDir, 'trainer.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { command: string; args: string[]; cwd: string; marker?: string });

/**
 * The launcher unrefs its detached child, so a pending exit alone does not keep this process's event
 * loop alive: a timer does, until the promise settles.
 */
async function settled<T>(promise: Promise<T>): Promise<T> {
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    return await promise;
  } finally {
    clearInterval(keepAlive);
  }
}

let supervisors: TrainerSupervisor[] = [];
afterEach(() => {
  supervisors.forEach((supervisor) => supervisor.dispose());
  supervisors = [];
});

function supervise(store: RunStore, followPollMs = 10) {
  const logs: string[] = [];
  const messages: TrainerMessage[] = [];
  const supervisor = new TrainerSupervisor(
    store,
    { onMessage: (_, message) => messages.push(message), onLog: (line) => logs.push(line) },
    { followPollMs, followLimitMs: 10_000 },
  );
  supervisors.push(supervisor);
  return { supervisor, logs, messages };
}

describe('launching a trainer', () => {
  test('a new run gets an id from the experiment’s name, a folder, and a detached trainer whose output goes to trainer.log', async () => {
    const runsDir = tempDir();
    const cwd = tempDir();
    const { script, node } = trainer({ FAKE_MARKER: 'runtime env', FAKE_EXIT: '0' });
    const launched = await launchTrainer({ experimentFile: '/ws/My Digits.jointrain.yaml', runsDir, trainerScript: script, node, backend: 'wasm', cwd });
    assert.match(launched.runId, /^\d{8}-\d{6}-my-digits-[0-9a-f]{4}$/);
    assert.equal(launched.runDir, join(runsDir, launched.runId));
    assert.ok(launched.pid > 0);
    assert.equal(await settled(launched.exited), 0);
    assert.deepEqual(readLog(launched.runDir), [
      {
        command: 'run',
        args: ['/ws/My Digits.jointrain.yaml', '--run-id', launched.runId, '--runs-dir', runsDir, '--channel', '--quiet', '--backend', 'wasm'],
        cwd,
        marker: 'runtime env',
      },
    ]);
  });

  test('backend auto is the trainer’s own default and is not passed; the exit code comes back', async () => {
    const runsDir = tempDir();
    const { script, node } = trainer({ FAKE_EXIT: '3' });
    const launched = await launchTrainer({ experimentFile: '/ws/digits.yml', runsDir, trainerScript: script, node, backend: 'auto', cwd: runsDir });
    assert.match(launched.runId, /-digits-/);
    assert.equal(await settled(launched.exited), 3);
    assert.deepEqual(readLog(launched.runDir)[0]?.args.slice(-2), ['--channel', '--quiet']);
  });

  test('a resume runs `resume <run folder>` there, appending to its trainer.log; a runtime that cannot start exits with null', async () => {
    const runDir = writeRun(tempDir(), runRecord('r1', { status: 'failed' }));
    const { script, node } = trainer();
    const first = await launchResume({ runDir, trainerScript: script, node, cwd: runDir });
    assert.equal(await settled(first.exited), 0);
    const second = await launchResume({ runDir, trainerScript: script, node, cwd: runDir });
    await settled(second.exited);
    assert.deepEqual(
      readLog(runDir).map((call) => [call.command, call.args]),
      [
        ['resume', [runDir, '--channel', '--quiet']],
        ['resume', [runDir, '--channel', '--quiet']],
      ],
    );
    const missing = await launchResume({ runDir, trainerScript: script, node: { command: join(runDir, 'no-node'), env: {} }, cwd: runDir });
    assert.deepEqual([missing.pid, await settled(missing.exited)], [-1, null]);
  });
});

describe('supervising the trainers it starts', () => {
  test('a trainer that dies while its run says running: the run is marked failed with its exit code and output', async () => {
    const runsDir = tempDir();
    const store = new RunStore([runsDir]);
    // Followed once at the start only: a read of the folder still in flight when the trainer exits
    // would hide the run from the exit's own read (see the report on RunStore.refreshRun).
    const { supervisor, logs } = supervise(store, 60_000);
    const { script, node } = trainer({ FAKE_RECORD: JSON.stringify(runRecord('x')), FAKE_STATUS: 'running', FAKE_EXIT: '3' });
    const launched = await supervisor.start({ experimentFile: '/ws/digits.jointrain.yaml', runsDir, trainerScript: script, node, cwd: runsDir });
    const failed = await until(
      () => (store.get(launched.runId)?.record.status === 'failed' ? store.get(launched.runId)?.record : undefined),
      'the run marked failed',
    );
    assert.match(
      failed.error ?? '',
      new RegExp(`^the trainer process \\(pid ${launched.pid}\\) ended with exit code 3 without finishing the run; its last output:\\n\\{"command":"run"`),
    );
    assert.ok(logs.includes(`trainer of run ${launched.runId} (pid ${launched.pid}) exited with code 3`), logs.join('\n'));
    assert.ok(logs.some((line) => line.startsWith(`run ${launched.runId} failed: the trainer process`)));
  });

  test('a resumed run that finishes is left as it is', async () => {
    const runsDir = tempDir();
    const dir = writeRun(runsDir, runRecord('r1', { status: 'failed', error: 'killed' }));
    const store = new RunStore([runsDir]);
    await store.refreshAll();
    const { supervisor, logs } = supervise(store);
    const run = store.get('r1');
    assert.ok(run);
    const { script, node } = trainer({ FAKE_RECORD: JSON.stringify(runRecord('r1')), FAKE_STATUS: 'completed' });
    const launched = await supervisor.resume(run, { trainerScript: script, node, cwd: dir });
    await until(() => logs.includes(`trainer of run r1 (pid ${launched.pid}) exited with code 0`) && store.get('r1')?.record.status === 'completed');
    assert.equal((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord).status, 'completed');
    assert.ok(!logs.some((line) => line.includes('failed')), logs.join('\n'));
  });

  test('it attaches once the trainer names its channel, relays its messages, sends commands over it, and lets go when it closes', async () => {
    const runsDir = tempDir();
    const store = new RunStore([runsDir]);
    const { supervisor, logs, messages } = supervise(store);
    const { script, node } = trainer({ FAKE_RECORD: JSON.stringify(runRecord('x')), FAKE_CHANNEL: '1' });
    const launched = await supervisor.start({ experimentFile: '/ws/d.jointrain.yaml', runsDir, trainerScript: script, node, cwd: runsDir });
    await until(() => supervisor.isConnected(launched.runId) && messages.length > 0, 'the channel');
    assert.ok(logs.includes(`attached to run ${launched.runId} (pid ${launched.pid})`), logs.join('\n'));
    assert.deepEqual(messages[0], { type: 'hello', protocol: TRAINER_PROTOCOL_VERSION, runId: launched.runId, pid: launched.pid, status: 'running' });
    await until(() =>
      logs.some((line) => line.startsWith(`run ${launched.runId}: ignored an invalid message from the trainer: `) && line.endsWith(': not json')),
    );

    assert.equal(await supervisor.send(launched.runId, { type: 'stop' }), 'channel');
    await until(() => messages.some((message) => message.type === 'status'), 'the stopped status');
    assert.equal(await settled(launched.exited), 0);
    await until(() => !supervisor.isConnected(launched.runId) && store.get(launched.runId)?.record.status === 'stopped', 'the channel closed');
    assert.equal(existsSync(join(launched.runDir, 'control.jsonl')), false, 'the command went over the channel');
  });

  test('a live run whose channel cannot be reached is logged and not attached; commands go to control.jsonl, or fail for an unknown run', async () => {
    const runsDir = tempDir();
    const dir = writeRun(runsDir, runRecord('r1', { status: 'running', pid: process.pid, channel: { path: join(runsDir, 'gone.sock') } }));
    const store = new RunStore([runsDir]);
    await store.refreshAll();
    const { supervisor, logs } = supervise(store);
    await supervisor.reconcile();
    assert.equal(supervisor.isConnected('r1'), false);
    assert.match(logs[0] ?? '', new RegExp(`^run r1: could not attach to ${join(runsDir, 'gone.sock').replace(/[.]/g, '\\.')}: .*ENOENT`));
    assert.equal(await supervisor.send('r1', { type: 'pause' }), 'control-file');
    assert.equal(readFileSync(join(dir, 'control.jsonl'), 'utf8'), '{"type":"pause"}\n');
    await assert.rejects(supervisor.send('nope', { type: 'pause' }), /unknown run nope/);
  });
});

describe('the channel connection', () => {
  test('a channel nobody listens on is an error; a closed connection sends nothing', async () => {
    const dir = tempDir();
    await assert.rejects(
      TrainerConnection.open(join(dir, 'none.sock'), { onMessage: () => undefined, onInvalid: () => undefined, onClose: () => undefined }),
      /ENOENT/,
    );
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(join(dir, 'ok.sock'), resolve));
    let closed = 0;
    const connection = await TrainerConnection.open(join(dir, 'ok.sock'), { onMessage: () => undefined, onInvalid: () => undefined, onClose: () => closed++ });
    assert.equal(connection.isOpen, true);
    connection.close();
    assert.equal(connection.isOpen, false);
    assert.equal(connection.send({ type: 'pause' }), false);
    await until(() => closed === 1, 'the close event');
    server.close();
  });
});
