import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MESSAGE_BYTES, parseTrainerMessage, type TrainerMessage } from '../../../src/shared/protocol/trainerMessages';

const epochDataset = {
  samples: 24,
  trainLoss: 0.5,
  trainAccuracy: 0.75,
  valLoss: Number.NaN,
  valAccuracy: 0.5,
  configuredShare: 0.25,
  realizedShare: 0.25,
  lossShare: 0.4,
  epochsSeen: 1.5,
  samplingWeight: 1,
  lossWeight: 2,
};

const valid: TrainerMessage[] = [
  { type: 'hello', protocol: 1, runId: '20261129-184239-digits-6c54', pid: 4242, status: 'paused' },
  {
    type: 'step',
    epoch: 1,
    totalEpochs: 3,
    step: 2,
    stepsInEpoch: 6,
    samplesPerSecond: 812.5,
    datasets: { big: { samples: 8, loss: 0.7, accuracy: 0.5 }, reg: { samples: 8, loss: 0.1 } },
  },
  { type: 'epoch', epoch: 2, totalEpochs: 3, datasets: { big: epochDataset } },
  { type: 'event', kind: 'weights-applied', epoch: 2 },
  { type: 'event', kind: 'failed', message: 'datasets[0].path: folder not found' },
  { type: 'status', status: 'stopped' },
];

const reasonFor = (line: string): string => {
  const parsed = parseTrainerMessage(line);
  assert.equal(parsed.ok, false, `accepted: ${line.slice(0, 100)}`);
  return parsed.ok ? '' : parsed.error;
};

test('a valid message of every type parses to the same value', () => {
  for (const message of valid) {
    const parsed = parseTrainerMessage(JSON.stringify(message));
    assert.deepEqual(parsed, { ok: true, message }, message.type);
  }
});

test('a NaN metric, written by JSON.stringify as null, is read back as NaN; a null step loss or speed is refused', () => {
  const nanLoss = { ...epochDataset, trainLoss: Number.NaN };
  const parsed = parseTrainerMessage(JSON.stringify({ type: 'epoch', epoch: 1, totalEpochs: 1, datasets: { big: nanLoss } }));
  assert.ok(parsed.ok && parsed.message.type === 'epoch');
  assert.ok(Number.isNaN(parsed.message.datasets.big?.trainLoss));
  const nanStepLoss = {
    type: 'step',
    epoch: 1,
    totalEpochs: 1,
    step: 1,
    stepsInEpoch: 1,
    samplesPerSecond: 1,
    datasets: { big: { samples: 1, loss: Number.NaN } },
  };
  assert.match(reasonFor(JSON.stringify(nanStepLoss)), /^datasets\.big\.loss: /);
  assert.match(reasonFor(JSON.stringify({ ...nanStepLoss, samplesPerSecond: Number.NaN, datasets: {} })), /^samplesPerSecond: /);
});

test('an unknown type, a wrong field type or value, and an unknown protocol are refused with the field at fault', () => {
  assert.match(reasonFor('{"type":"goodbye"}'), /^type: /);
  assert.match(reasonFor('{"status":"running"}'), /^type: /);
  assert.match(reasonFor('{"type":"status","status":"sleeping"}'), /^status: /);
  assert.match(reasonFor('{"type":"status","status":1}'), /^status: /);
  assert.match(reasonFor('{"type":"hello","protocol":2,"runId":"r","pid":1,"status":"running"}'), /^protocol: /);
  assert.match(reasonFor('{"type":"hello","protocol":1,"runId":"r","pid":"1","status":"running"}'), /^pid: /);
  assert.match(reasonFor('{"type":"step","epoch":"1","totalEpochs":1,"step":1,"stepsInEpoch":1,"samplesPerSecond":1,"datasets":{}}'), /^epoch: /);
  assert.match(reasonFor('{"type":"step","epoch":1.5,"totalEpochs":1,"step":1,"stepsInEpoch":1,"samplesPerSecond":1,"datasets":{}}'), /^epoch: /);
  assert.match(reasonFor('{"type":"event","kind":"paused","epoch":-1}'), /^epoch: /);
  assert.match(reasonFor('"status"'), /^message: /);
  assert.match(reasonFor('null'), /^message: /);
});

test('numbers too large to be finite (1e999 reads as Infinity) are refused', () => {
  const line = '{"type":"step","epoch":1,"totalEpochs":1,"step":1,"stepsInEpoch":1,"samplesPerSecond":1e999,"datasets":{}}';
  assert.match(reasonFor(line), /^samplesPerSecond: /);
  const epoch = JSON.stringify({ type: 'epoch', epoch: 1, totalEpochs: 1, datasets: { big: { ...epochDataset, configuredShare: 12345 } } });
  assert.match(reasonFor(epoch.replace('12345', '-1e400')), /^datasets\.big\.configuredShare: /);
});

test('a line that is not JSON, or longer than the limit, is refused before parsing', () => {
  assert.deepEqual(parseTrainerMessage('{"type":"status",'), { ok: false, error: 'not valid JSON' });
  assert.deepEqual(parseTrainerMessage(''), { ok: false, error: 'not valid JSON' });
  const oversized = JSON.stringify({ type: 'event', kind: 'failed', message: 'x'.repeat(MAX_MESSAGE_BYTES) });
  assert.deepEqual(parseTrainerMessage(oversized), { ok: false, error: `message longer than ${MAX_MESSAGE_BYTES} bytes` });
  assert.match(reasonFor(JSON.stringify({ type: 'event', kind: 'failed', message: 'x'.repeat(5000) })), /^message: /);
});

test('channel paths stay within the Unix socket limit and differ per run', async () => {
  const { channelPath } = await import('../../../src/shared/protocol/trainerMessages');
  const macTmp = '/var/folders/xy/abcdefghijklmnopqrstuvwxyz012345/T';
  const long = `20261129-184239-${'a-very-long-experiment-name'.repeat(4)}-6c54`;
  const path = channelPath(long, 'darwin', macTmp);
  assert.ok(Buffer.byteLength(path) < 104, path);
  assert.match(path, /^\/var\/folders\/.*\/T\/jointrain-ame-6c54-[0-9a-f]{8}\.sock$/);
  assert.notEqual(channelPath(`${long}x`, 'darwin', macTmp), path);
  assert.match(channelPath(long, 'win32', 'C:\\Temp'), /^\\\\\.\\pipe\\jointrain-ame-6c54-[0-9a-f]{8}$/);
});
