/**
 * control.jsonl on resume and under floods: a resumed inbox continues where its checkpoint's run
 * stopped reading, and no line — in the file or on a stream — is held beyond a command's size.
 */
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, ftruncateSync, mkdtempSync, openSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { MAX_COMMAND_BYTES } from '../../../src/shared/protocol/trainerCommands';
import { CommandInbox } from '../../../src/trainer/runs/commandInbox';

const controlFileInTemp = () => join(mkdtempSync(join(tmpdir(), 'jointrain-control-')), 'control.jsonl');
const line = (command: object) => `${JSON.stringify(command)}\n`;

test('a resumed inbox starts at the offset its checkpoint consumed: a stop obeyed before it is not obeyed again', () => {
  const file = controlFileInTemp();
  const first = new CommandInbox(file);
  appendFileSync(file, line({ type: 'set-weights', sampling: { big: 2 } }) + line({ type: 'pause' }) + line({ type: 'stop' }) + '{"type":"res');
  assert.deepEqual(
    first.drain().commands.map((command) => command.type),
    ['set-weights', 'pause', 'stop'],
  );
  const consumed = first.consumedControlBytes;
  first.close();
  assert.equal(consumed, statSync(file).size - '{"type":"res'.length, 'the unterminated tail is not consumed');

  appendFileSync(file, 'ume"}\n');
  const resumed = new CommandInbox(file, consumed);
  // The tail completed before the resume is a lifecycle command for the trainer that died.
  assert.deepEqual(resumed.drain(), { commands: [], invalid: [] });
  appendFileSync(file, line({ type: 'pause' }));
  assert.deepEqual(resumed.drain().commands, [{ type: 'pause' }], 'commands appended after the resume are obeyed');
  resumed.close();
});

test('commands appended after the checkpoint: weight changes are read again on resume, pause, resume and stop are skipped', () => {
  const file = controlFileInTemp();
  writeFileSync(file, line({ type: 'stop' }));
  const checkpointed = statSync(file).size;
  appendFileSync(
    file,
    line({ type: 'pause' }) +
      line({ type: 'set-weights', requestId: 'late', loss: { big: 0.5 } }) +
      line({ type: 'stop' }) +
      line({ type: 'reject-suggestion', suggestionId: 'suggestion-2' }),
  );
  const inbox = new CommandInbox(file, checkpointed);
  assert.deepEqual(inbox.drain().commands, [
    { type: 'set-weights', requestId: 'late', loss: { big: 0.5 } },
    { type: 'reject-suggestion', suggestionId: 'suggestion-2' },
  ]);
  inbox.close();
});

test('a checkpoint without an offset (an older version) resumes after everything in control.jsonl', () => {
  const file = controlFileInTemp();
  writeFileSync(file, line({ type: 'stop' }) + line({ type: 'set-weights', sampling: { big: 2 } }));
  const inbox = new CommandInbox(file, Number.POSITIVE_INFINITY);
  assert.deepEqual(inbox.drain(), { commands: [], invalid: [] });
  assert.equal(inbox.consumedControlBytes, statSync(file).size);
  inbox.close();
});

test('600 MB appended to control.jsonl without a newline is skipped and reported once; the commands after it arrive', () => {
  const file = controlFileInTemp();
  const inbox = new CommandInbox(file);
  // A sparse file: 600 MB of NUL bytes that take no disk.
  const fd = openSync(file, 'r+');
  ftruncateSync(fd, 600 * 1024 * 1024);
  closeSync(fd);
  assert.deepEqual(inbox.drain(), { commands: [], invalid: [] }, 'no newline yet: nothing to report');
  appendFileSync(file, `\n${line({ type: 'stop' })}`);
  const drained = inbox.drain();
  assert.deepEqual(drained.commands, [{ type: 'stop' }]);
  assert.deepEqual(drained.invalid, [
    `control.jsonl: a line of ${600 * 1024 * 1024} bytes is longer than a command may be (${MAX_COMMAND_BYTES} bytes); it was skipped`,
  ]);
  assert.equal(inbox.consumedControlBytes, statSync(file).size);
  inbox.close();
});

test('a line of more than 512 MiB on a stream (the channel) is skipped and reported once; the stream keeps working', async () => {
  const inbox = new CommandInbox(controlFileInTemp());
  const stream = new PassThrough();
  inbox.listen(stream, 'channel');
  const megabyte = Buffer.alloc(1024 * 1024, 0x61);
  for (let i = 0; i < 600; i++) {
    if (!stream.write(megabyte)) await new Promise((resolve) => stream.once('drain', resolve));
  }
  const arrived = inbox.waitForInput(60_000);
  stream.write(`\n${line({ type: 'pause' })}`);
  await arrived;
  await new Promise((resolve) => setImmediate(resolve));
  const drained = inbox.drain();
  assert.deepEqual(drained.commands, [{ type: 'pause' }]);
  assert.deepEqual(drained.invalid, [
    `channel: a line of ${600 * 1024 * 1024} bytes is longer than a command may be (${MAX_COMMAND_BYTES} bytes); it was skipped`,
  ]);
  inbox.close();
});

test('the last line of a stream counts even without a newline', async () => {
  const inbox = new CommandInbox(controlFileInTemp());
  const stream = new PassThrough();
  inbox.listen(stream, 'stdin');
  const ended = new Promise((resolve) => stream.once('end', resolve));
  stream.end('{"type":"stop"}');
  await ended;
  assert.deepEqual(inbox.drain().commands, [{ type: 'stop' }]);
  inbox.close();
});
