import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { CommandInbox } from '../../../src/trainer/runs/commandInbox';

const inboxInTemp = () => new CommandInbox(join(mkdtempSync(join(tmpdir(), 'jointrain-inbox-')), 'control.jsonl'));

test('lines from a stream are commands, and invalid ones are reported with the stream they came from', async () => {
  const inbox = inboxInTemp();
  const stream = new PassThrough();
  inbox.listen(stream, 'channel');
  const arrived = inbox.waitForInput(60_000);
  stream.write('{"type":"pause"}\n{"type":"pause"\n');
  await arrived;
  await new Promise((resolve) => setImmediate(resolve));
  const drained = inbox.drain();
  assert.deepEqual(drained.commands, [{ type: 'pause' }]);
  assert.deepEqual(drained.invalid, ['channel: not valid JSON: {"type":"pause"']);
  inbox.close();
});

test('a stream that fails (a client reset its connection) ends its commands without throwing', async () => {
  const inbox = inboxInTemp();
  const stream = new PassThrough();
  inbox.listen(stream, 'channel');
  const closed = new Promise((resolve) => stream.once('close', resolve));
  stream.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  await closed;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(inbox.drain(), { commands: [], invalid: [] });
  inbox.close();
});

test('a command submitted from inside the process wakes a waiting (paused) run', async () => {
  const inbox = inboxInTemp();
  const woken = inbox.waitForInput(60_000);
  inbox.submit({ type: 'stop' });
  await woken;
  assert.deepEqual(inbox.drain().commands, [{ type: 'stop' }]);
  inbox.close();
});
