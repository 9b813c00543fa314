import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import type { TrainerMessage } from '../../../src/shared/protocol/trainerMessages';
import { TrainerChannel } from '../../../src/trainer/runs/trainerChannel';

const unix = process.platform !== 'win32';
const socketPath = (name: string) => (unix ? join(mkdtempSync(join(tmpdir(), 'jt-')), `${name}.sock`) : `\\\\.\\pipe\\jointrain-test-${name}-${process.pid}`);

interface Client {
  socket: Socket;
  lines: string[];
  /** Resolves once `count` lines have arrived. */
  received(count: number): Promise<string[]>;
  closed: Promise<void>;
}

function client(path: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const lines: string[] = [];
    let wake: () => void = () => undefined;
    createInterface({ input: socket }).on('line', (line) => {
      lines.push(line);
      wake();
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const received = async (count: number) => {
      while (lines.length < count) await new Promise<void>((done) => (wake = done));
      return lines.slice(0, count);
    };
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, lines, received, closed }));
  });
}

const status = (value: 'running' | 'paused'): TrainerMessage => ({ type: 'status', status: value });

test('every client gets its own hello, then every message; a client that left does not disturb the others', async () => {
  let current: 'running' | 'paused' = 'running';
  const commandStreams: Socket[] = [];
  const channel = await TrainerChannel.open({
    path: socketPath('broadcast'),
    hello: () => status(current),
    onConnection: (socket) => commandStreams.push(socket),
  });
  const first = await client(channel.path);
  assert.deepEqual(await first.received(1), [JSON.stringify(status('running'))]);
  current = 'paused';
  const leaving = await client(channel.path);
  await leaving.received(1);
  leaving.socket.destroy();
  const second = await client(channel.path);
  assert.deepEqual(await second.received(1), [JSON.stringify(status('paused'))], 'a later client sees the status of its time');

  channel.send({ type: 'event', kind: 'paused', epoch: 1 });
  channel.send({ type: 'event', kind: 'resumed', epoch: 1 });
  const [, ...firstRest] = await first.received(3);
  const [, ...secondRest] = await second.received(3);
  assert.deepEqual(firstRest, ['{"type":"event","kind":"paused","epoch":1}', '{"type":"event","kind":"resumed","epoch":1}']);
  assert.deepEqual(secondRest, firstRest);
  assert.equal(commandStreams.length, 3, 'each connection is handed over for its commands');

  await channel.close();
  await Promise.all([first.closed, second.closed]);
  if (unix) assert.equal(existsSync(channel.path), false, 'the socket file is removed');
});

test('closing ends the connections after the last messages have been delivered', async () => {
  const channel = await TrainerChannel.open({ path: socketPath('last-words'), hello: () => status('running'), onConnection: () => undefined });
  const attached = await client(channel.path);
  await attached.received(1);
  channel.send({ type: 'event', kind: 'failed', message: 'no data' });
  channel.send({ type: 'status', status: 'failed' });
  await channel.close();
  await attached.closed;
  assert.deepEqual(attached.lines.slice(1), ['{"type":"event","kind":"failed","message":"no data"}', '{"type":"status","status":"failed"}']);
});

test('a socket left by a process that was killed is replaced, and the new one is private to its user', { skip: !unix && 'Unix sockets only' }, async () => {
  const path = socketPath('stale');
  const killed = spawnSync(process.execPath, [
    '-e',
    `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ]);
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(statSync(path).isSocket(), 'a killed process leaves its socket file');
  const channel = await TrainerChannel.open({ path, hello: () => status('running'), onConnection: () => undefined });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const attached = await client(path);
  assert.deepEqual(await attached.received(1), [JSON.stringify(status('running'))]);
  await channel.close();
});

test('a socket a live channel listens on is never taken over', { skip: !unix && 'Unix sockets only' }, async () => {
  const path = socketPath('live');
  const live = await TrainerChannel.open({ path, hello: () => status('running'), onConnection: () => undefined });
  await assert.rejects(
    TrainerChannel.open({ path, hello: () => status('paused'), onConnection: () => undefined }),
    /another trainer is listening on .*live\.sock: a live run has the same id/,
  );
  const attached = await client(path);
  assert.deepEqual(await attached.received(1), [JSON.stringify(status('running'))], 'the live channel still answers');
  await live.close();
});

test('a file that is not a socket is never removed: opening the channel fails instead', { skip: !unix && 'Unix sockets only' }, async () => {
  const path = socketPath('not-a-socket');
  writeFileSync(path, 'keep me');
  await assert.rejects(TrainerChannel.open({ path, hello: () => status('running'), onConnection: () => undefined }), /EADDRINUSE/);
  assert.equal(readFileSync(path, 'utf8'), 'keep me');
});
