/**
 * The trainer as the extension runs it: a separate process (`node bin/jointrain.js run … --channel
 * --run-id ID`) that hosts attach to over its local channel, steer with commands, and reattach to.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { before, test } from 'node:test';
import type { TrainerCommand } from '../../src/shared/protocol/trainerCommands';
import { channelPath, parseTrainerMessage, type TrainerMessage } from '../../src/shared/protocol/trainerMessages';
import type { ExperimentIssue } from '../../src/shared/experiment/issues';
import type { RunRecord } from '../../src/shared/runs/format';
import { parseEvents } from '../../src/shared/runs/readRecords';
import { folderSaveHandler } from '../../src/trainer/runs/modelFiles';
import { createTinyWorkspace, experimentYaml, type TinyWorkspace } from '../fixtures/tinyWorkspace';

const CLI = resolve(__dirname, '..', '..', 'bin', 'jointrain.js');
/** Generous: a failing test should say what it waited for, not hang the suite. */
const WAIT_MS = 60_000;
/** Channel sockets live in the shared temp folder: ids unique to this process keep parallel suites apart. */
const id = (name: string) => `${name}-${process.pid}`;

interface Trainer {
  process: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startTrainer(args: string[], cwd: string): Trainer {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, stderr: () => stderr, exited };
}

/** Ends a trainer a failed test left running. */
async function ensureEnded(trainer: Trainer): Promise<void> {
  if (trainer.process.exitCode === null && trainer.process.signalCode === null) {
    trainer.process.kill('SIGKILL');
    await trainer.exited;
  }
}

function readRun(runDir: string): RunRecord {
  return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
}

/** Waits for run.json to name the channel, as a host does after spawning (polling a file, bounded). */
async function waitForChannel(runDir: string, trainer: Trainer): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const path = existsSync(join(runDir, 'run.json')) ? readRun(runDir).channel?.path : undefined;
    if (path !== undefined) return path;
    if (trainer.process.exitCode !== null) assert.fail(`the trainer exited (${trainer.process.exitCode}) before opening its channel: ${trainer.stderr()}`);
    if (Date.now() > deadline) assert.fail(`run.json did not name a channel within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A host's side of the channel: every line must be a valid message; tests wait for the ones they expect. */
class ChannelClient {
  readonly messages: TrainerMessage[] = [];
  readonly invalid: string[] = [];
  readonly closed: Promise<void>;
  private cursor = 0;
  private isClosed = false;
  private wake: () => void = () => undefined;

  private constructor(private readonly socket: Socket) {
    const lines = createInterface({ input: socket });
    lines.on('line', (line) => {
      const parsed = parseTrainerMessage(line);
      if (parsed.ok) this.messages.push(parsed.message);
      else this.invalid.push(`${parsed.error}: ${line}`);
      this.wake();
    });
    // A reset connection surfaces as a close; `next` then says what was still expected.
    lines.on('error', () => socket.destroy());
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(path: string): Promise<ChannelClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('error', reject);
      socket.once('connect', () => resolve(new ChannelClient(socket)));
    });
  }

  send(command: TrainerCommand): void {
    this.sendLine(JSON.stringify(command));
  }

  sendLine(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** The next message (after the last one waited for) that matches; fails if the channel closes first. */
  async next<T extends TrainerMessage['type']>(
    type: T,
    matches: (message: Extract<TrainerMessage, { type: T }>) => boolean = () => true,
  ): Promise<Extract<TrainerMessage, { type: T }>> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      for (; this.cursor < this.messages.length; this.cursor++) {
        const message = this.messages[this.cursor] as TrainerMessage;
        if (message.type === type && matches(message as Extract<TrainerMessage, { type: T }>)) {
          this.cursor++;
          return message as Extract<TrainerMessage, { type: T }>;
        }
      }
      const received = this.messages.slice(-10).map((m) => (m.type === 'event' ? `event ${m.kind}` : m.type === 'status' ? `status ${m.status}` : m.type));
      if (this.isClosed) assert.fail(`the channel closed before a "${type}" message; last received: ${received.join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (Date.now() >= deadline) assert.fail(`no "${type}" message within ${WAIT_MS} ms; last received: ${received.join(', ')}`);
    }
  }

  /** The next `next` waits for messages that arrive from now on. */
  skipReceived(): void {
    this.cursor = this.messages.length;
  }
}

/** Connects and reads the first chunk (the hello), then leaves everything else unread in the kernel. */
function connectWithoutReading(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ path, onread: { buffer: Buffer.alloc(4096), callback: () => (resolve(socket), false) } });
    socket.once('error', reject);
  });
}

/** Gives a pending writer its reader, so a failed test does not leave it (and the suite) waiting. */
/** A tfjs layers model whose inputs and outputs fit the tiny workspace's stems and heads. */
async function saveMatchingModel(folder: string): Promise<void> {
  const inputs = [tf.input({ shape: [8, 8, 1] }), tf.input({ shape: [3] }), tf.input({ shape: [2] })];
  const image = tf.layers.flatten().apply(inputs[0] as tf.SymbolicTensor) as tf.SymbolicTensor;
  const outputs = [
    tf.layers.dense({ units: 2, activation: 'softmax' }).apply(image),
    tf.layers.dense({ units: 2, activation: 'softmax' }).apply(inputs[1] as tf.SymbolicTensor),
    tf.layers.dense({ units: 1 }).apply(inputs[2] as tf.SymbolicTensor),
  ] as tf.SymbolicTensor[];
  await tf.model({ inputs, outputs }).save(folderSaveHandler(folder));
}

async function unblockFifo(fifo: string, opening: Promise<FileHandle>, reason: string): Promise<never> {
  closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
  await (await opening).close();
  assert.fail(reason);
}

let workspace: TinyWorkspace;

before(async () => {
  assert.ok(existsSync(resolve(__dirname, '..', '..', 'dist', 'trainer.js')), 'build first: npm run build');
  // Many epochs: the run must still be going while the test steers it (it ends it with `stop`).
  workspace = await createTinyWorkspace({ epochs: 5000 });
});

test('hosts attach to a live run over its channel, steer it, reattach while paused, and stop it', { timeout: 120_000 }, async () => {
  const runDir = join(workspace.runsDir, id('live-1'));
  const trainer = startTrainer(['run', 'tiny.jointrain.yaml', '--channel', '--run-id', id('live-1'), '--quiet'], workspace.dir);
  try {
    const path = await waitForChannel(runDir, trainer);
    assert.equal(path, channelPath(id('live-1'), process.platform, tmpdir()));

    const first = await ChannelClient.connect(path);
    const hello = await first.next('hello');
    assert.equal(first.messages[0], hello, 'hello is the first message on a connection');
    assert.deepEqual(hello, { type: 'hello', protocol: 1, runId: id('live-1'), pid: trainer.process.pid, status: 'running' });
    const step = await first.next('step');
    assert.equal(step.totalEpochs, 5000);
    assert.equal(step.stepsInEpoch, 6);
    assert.deepEqual(Object.keys(step.datasets).sort(), ['big', 'reg', 'small', 'table']);

    first.send({ type: 'pause' });
    await first.next('status', (m) => m.status === 'paused');
    const paused = await first.next('event', (m) => m.kind === 'paused');
    assert.ok(paused.epoch !== undefined && paused.epoch >= 1);

    // A second host (a reloaded window) attaches while the run is paused and resumes it.
    const second = await ChannelClient.connect(path);
    assert.equal((await second.next('hello')).status, 'paused');
    second.send({ type: 'resume' });
    await first.next('status', (m) => m.status === 'running');
    await second.next('status', (m) => m.status === 'running');
    await second.next('step');

    second.send({ type: 'set-weights', sampling: { small: 3 } });
    const requested = await first.next('event', (m) => m.kind === 'weights-requested');
    const applied = await first.next('event', (m) => m.kind === 'weights-applied');
    // At the next epoch boundary: the next epoch, or this one when it arrived before its first step.
    assert.ok(applied.epoch !== undefined && requested.epoch !== undefined && applied.epoch >= requested.epoch);

    first.send({ type: 'stop' });
    await first.next('event', (m) => m.kind === 'stopped');
    await second.next('status', (m) => m.status === 'stopped');
    await Promise.all([first.closed, second.closed]);
    for (const client of [first, second])
      assert.deepEqual(client.messages.at(-1), { type: 'status', status: 'stopped' }, 'the final status is the last message');
    assert.equal(await trainer.exited, 0, trainer.stderr());

    assert.deepEqual([...first.invalid, ...second.invalid], [], 'every line is a valid message');
    assert.ok(first.messages.some((m) => m.type === 'epoch'));
    assert.equal(existsSync(path), false, 'the socket file is removed when the trainer exits');
    const record = readRun(runDir);
    assert.equal(record.status, 'stopped');
    assert.deepEqual(record.channel, { path });
  } finally {
    await ensureEnded(trainer);
  }
});

test('a client that vanishes mid-run does not disturb the run, and invalid commands are reported, not acted on', { timeout: 120_000 }, async () => {
  const runDir = join(workspace.runsDir, id('live-2'));
  const trainer = startTrainer(['run', 'tiny.jointrain.yaml', '--channel', '--run-id', id('live-2'), '--quiet', '--epochs', '20'], workspace.dir);
  try {
    const path = await waitForChannel(runDir, trainer);
    const observer = await ChannelClient.connect(path);
    await observer.next('step');

    // A client that stops reading, then vanishes with messages unread: the kernel resets the
    // connection, which the trainer sees as ECONNRESET on that socket.
    const vanishing = await connectWithoutReading(path);
    observer.skipReceived();
    for (let i = 0; i < 5; i++) await observer.next('step');
    vanishing.destroy();

    observer.sendLine('{"type":"pause"');
    observer.send({ type: 'set-weights', sampling: { nowhere: 1 } });
    const invalid = await observer.next('event', (m) => m.kind === 'weights-rejected');
    assert.match(invalid.message ?? '', /^invalid command from channel: not valid JSON/);
    const rejected = await observer.next('event', (m) => m.kind === 'weights-rejected');
    assert.match(rejected.message ?? '', /nowhere/);
    await observer.next('event', (m) => m.kind === 'completed');
    await observer.next('status', (m) => m.status === 'completed');
    await observer.closed;
    assert.equal(await trainer.exited, 0, trainer.stderr());
    assert.equal(readRun(runDir).status, 'completed');
    assert.equal(observer.messages.filter((m) => m.type === 'status').length, 1, 'never paused by the invalid line');
  } finally {
    await ensureEnded(trainer);
  }
});

test(
  'a run that fails before training still tells attached clients: event failed, then status failed, then the channel closes',
  { timeout: 120_000, skip: process.platform === 'win32' && 'needs a FIFO' },
  async () => {
    // The model's weights file is a FIFO: the trainer blocks reading it (after validating the
    // model.json and loading the data) until the test, already attached, feeds it too few bytes.
    const experiment = experimentYaml().replace(
      /model:[\s\S]*?(?=training:)/,
      'model:\n  from: model/model.json\n  inputs: { image: 0, table: 1, pair: 2 }\n  outputs: { side: 0, kind: 1, value: 2 }\n  tasks: { value: regression }\n',
    );
    writeFileSync(join(workspace.dir, 'fifo.jointrain.yaml'), experiment);
    await saveMatchingModel(join(workspace.dir, 'model'));
    const fifo = join(workspace.dir, 'model', 'weights.bin');
    rmSync(fifo);
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    const runDir = join(workspace.runsDir, id('fails-early'));
    const trainer = startTrainer(['run', 'fifo.jointrain.yaml', '--channel', '--run-id', id('fails-early'), '--quiet'], workspace.dir);
    try {
      const path = await waitForChannel(runDir, trainer);
      const client = await ChannelClient.connect(path);
      assert.equal((await client.next('hello')).status, 'running');
      // Opening a FIFO to write waits for its reader: the trainer, once it has loaded the data.
      const opening = open(fifo, 'w');
      const writer = await Promise.race([
        opening,
        trainer.exited.then((code) => unblockFifo(fifo, opening, `the trainer exited (${code}) before reading the model: ${trainer.stderr()}`)),
      ]);
      await writer.write('too short');
      await writer.close();

      const failed = await client.next('event', (m) => m.kind === 'failed');
      assert.match(failed.message ?? '', /weight files hold 9 bytes, the model's weights need \d+/);
      await client.next('status', (m) => m.status === 'failed');
      await client.closed;
      assert.equal(await trainer.exited, 1);
      assert.equal(existsSync(path), false);
      assert.equal(readRun(runDir).status, 'failed');
    } finally {
      await ensureEnded(trainer);
    }
  },
);

test('SIGTERM stops a run as `stop` does: it evaluates, checkpoints, saves the model and ends `stopped`', { timeout: 120_000 }, async () => {
  const runDir = join(workspace.runsDir, id('terminated'));
  const trainer = startTrainer(['run', 'tiny.jointrain.yaml', '--channel', '--run-id', id('terminated'), '--quiet'], workspace.dir);
  try {
    const client = await ChannelClient.connect(await waitForChannel(runDir, trainer));
    await client.next('step');
    trainer.process.kill('SIGTERM');
    await client.next('event', (m) => m.kind === 'stopped');
    await client.next('status', (m) => m.status === 'stopped');
    assert.equal(await trainer.exited, 0, trainer.stderr());
    assert.match(trainer.stderr(), /SIGTERM: stopping after this step/);

    const record = readRun(runDir);
    assert.equal(record.status, 'stopped');
    assert.ok(existsSync(join(runDir, 'model', 'model.json')), 'the model is saved');
    const latest = readFileSync(join(runDir, 'checkpoints', 'latest'), 'utf8').trim();
    assert.ok(existsSync(join(runDir, 'checkpoints', latest, 'weights.bin')), 'a checkpoint is written');
    const kinds = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8')).map((event) => event.kind);
    assert.deepEqual(kinds.slice(-2), ['checkpoint', 'stopped']);
  } finally {
    await ensureEnded(trainer);
  }
});

test('`--run-id` takes a folder the host made for the log and keeps the log; a folder of another run is refused', () => {
  const runDir = join(workspace.runsDir, 'host-made');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'trainer.log'), 'host: starting the trainer\n');
  const log = openSync(join(runDir, 'trainer.log'), 'a');
  const started = spawnSync(process.execPath, [CLI, 'run', 'tiny.jointrain.yaml', '--run-id', 'host-made', '--epochs', '1'], {
    cwd: workspace.dir,
    stdio: ['ignore', log, log],
    timeout: 120_000,
  });
  closeSync(log);
  const logText = readFileSync(join(runDir, 'trainer.log'), 'utf8');
  assert.equal(started.status, 0, logText);
  assert.ok(logText.startsWith('host: starting the trainer\n'), 'the host part of the log is kept');
  assert.match(logText, /run completed: /, "the trainer's output follows it");
  const record = readRun(runDir);
  assert.equal(record.id, 'host-made');
  assert.equal(record.status, 'completed');
  assert.equal(record.channel, undefined, 'no channel unless asked for');

  const runJson = readFileSync(join(runDir, 'run.json'), 'utf8');
  const again = spawnSync(process.execPath, [CLI, 'run', 'tiny.jointrain.yaml', '--run-id', 'host-made', '--quiet'], {
    cwd: workspace.dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /error: run folder already exists: .*host-made/);
  assert.equal(readFileSync(join(runDir, 'run.json'), 'utf8'), runJson, 'the other run is untouched');

  const invalid = spawnSync(process.execPath, [CLI, 'run', 'tiny.jointrain.yaml', '--run-id', '../escape', '--quiet'], {
    cwd: workspace.dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(invalid.status, 2, 'a bad command line');
  assert.match(invalid.stderr, /--run-id/);
});

test('`validate --json` prints the file and its positioned issues for the host, exit 1 on errors', () => {
  writeFileSync(join(workspace.dir, 'typo.jointrain.yaml'), experimentYaml().replace('batch_size: 16', 'bach_size: 16'));
  const bad = spawnSync(process.execPath, [CLI, 'validate', '--json', 'typo.jointrain.yaml'], { cwd: workspace.dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(bad.status, 1);
  const report = JSON.parse(bad.stdout) as { file: string; issues: ExperimentIssue[] };
  assert.equal(report.file, join(workspace.dir, 'typo.jointrain.yaml'));
  const line =
    experimentYaml()
      .split('\n')
      .findIndex((text) => text.includes('batch_size')) + 1;
  const issue = report.issues.find((candidate) => candidate.severity === 'error');
  assert.deepEqual(issue && { line: issue.line, column: issue.column, path: issue.path.slice(0, 1) }, { line, column: 3, path: ['training'] });
  assert.match(issue?.message ?? '', /batch_size/);

  const good = spawnSync(process.execPath, [CLI, 'validate', '--json', 'tiny.jointrain.yaml'], { cwd: workspace.dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(good.status, 0, good.stderr);
  assert.deepEqual(JSON.parse(good.stdout), { file: join(workspace.dir, 'tiny.jointrain.yaml'), issues: [] });
});
