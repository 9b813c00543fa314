import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTrainerMessage, type TrainerMessage } from '../../../src/shared/protocol/trainerMessages';
import type { RunEvent } from '../../../src/shared/runs/format';
import type { EpochRecord, StepRecord } from '../../../src/trainer/trainingReporter';
import { channelReporter, helloMessage } from '../../../src/trainer/runs/channelReporter';

const time = '2026-11-29T18:42:39.000Z';

function collect(): { sent: TrainerMessage[]; reporter: ReturnType<typeof channelReporter> } {
  const sent: TrainerMessage[] = [];
  return { sent, reporter: channelReporter((message) => sent.push(message)) };
}

/** What a host receives: the message after a trip through JSON, validated. */
function received(message: TrainerMessage): TrainerMessage {
  const parsed = parseTrainerMessage(JSON.stringify(message));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.message;
}

const step = (stepNumber: number): StepRecord => ({
  kind: 'step',
  epoch: 2,
  step: stepNumber,
  globalStep: 10 + stepNumber,
  time,
  totalLoss: 0.9,
  datasets: { big: { samples: 12, loss: 0.6, accuracy: 0.75 }, reg: { samples: 4, loss: 0.2 } },
});

test('a step carries its epoch, the epoch count and the steps of the epoch announced at its start', () => {
  const { sent, reporter } = collect();
  reporter.onEpochStart?.(2, 5, 6);
  reporter.onStep?.(step(3), 640);
  assert.deepEqual(sent.map(received), [
    {
      type: 'step',
      epoch: 2,
      totalEpochs: 5,
      step: 3,
      stepsInEpoch: 6,
      samplesPerSecond: 640,
      datasets: { big: { samples: 12, loss: 0.6, accuracy: 0.75 }, reg: { samples: 4, loss: 0.2 } },
    },
  ]);
});

test('an epoch that runs past its forecast step count reports the steps seen so far', () => {
  const { sent, reporter } = collect();
  reporter.onEpochStart?.(2, 5, 6);
  reporter.onStep?.(step(8), 640);
  assert.equal(sent[0]?.type === 'step' && sent[0].stepsInEpoch, 8);
});

test('an epoch record becomes an epoch message; a NaN metric (null on the wire) arrives as NaN', () => {
  const { sent, reporter } = collect();
  reporter.onEpochStart?.(1, 3, 6);
  const record: EpochRecord = {
    kind: 'epoch',
    epoch: 1,
    steps: 6,
    time,
    durationMs: 120,
    samplesPerSecond: 800,
    totalLoss: 0.8,
    datasets: {
      small: {
        samples: 0,
        trainLoss: Number.NaN,
        trainAccuracy: Number.NaN,
        valLoss: 0.7,
        valAccuracy: 0.5,
        configuredShare: 0,
        realizedShare: 0,
        lossShare: 0,
        epochsSeen: 0,
        samplingWeight: 0,
        lossWeight: 1,
      },
    },
  };
  reporter.onEpochEnd?.(record);
  const message = received(sent[0] as TrainerMessage);
  assert.equal(message.type, 'epoch');
  assert.ok(message.type === 'epoch' && message.totalEpochs === 3);
  // A NaN crosses the wire as null and is read back as NaN, as it is from metrics.jsonl.
  assert.deepEqual(message.type === 'epoch' && message.datasets.small, record.datasets.small);
});

test('events keep their kind, epoch, request id and message (a rejection its reason), cut to the message limit', () => {
  const { sent, reporter } = collect();
  const events: RunEvent[] = [
    { kind: 'started', time, backend: 'wasm' },
    { kind: 'weights-requested', time, epoch: 2, step: 3, change: { sampling: { small: 3 } }, requestId: 'r1' },
    { kind: 'weights-rejected', time, reason: "unknown dataset 'tiny'" },
    { kind: 'stopped', time, epoch: 0 },
    { kind: 'failed', time, message: 'x'.repeat(5000) },
  ];
  events.forEach((event) => reporter.onEvent?.(event));
  const messages = sent.map(received);
  assert.deepEqual(messages.slice(0, 4), [
    { type: 'event', kind: 'started' },
    { type: 'event', kind: 'weights-requested', epoch: 2, requestId: 'r1' },
    { type: 'event', kind: 'weights-rejected', message: "unknown dataset 'tiny'" },
    { type: 'event', kind: 'stopped', epoch: 0 },
  ]);
  assert.equal(messages[4]?.type === 'event' && messages[4].message?.length, 4000);
});

test('status changes and the hello are valid messages', () => {
  const { sent, reporter } = collect();
  reporter.onStatus?.('paused');
  assert.deepEqual(sent.map(received), [{ type: 'status', status: 'paused' }]);
  assert.deepEqual(received(helloMessage('run-1', 321, 'running')), { type: 'hello', protocol: 1, runId: 'run-1', pid: 321, status: 'running' });
});
