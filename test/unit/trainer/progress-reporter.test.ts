import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EpochDatasetMetrics, RunRecord } from '../../../src/shared/runs/format';
import { createProgressReporter } from '../../../src/trainer/cli/progressReporter';
import type { EpochRecord } from '../../../src/trainer/trainingReporter';

/** A stream that is no terminal (one line per epoch, as in CI logs), collecting what is written. */
function collector() {
  const written: string[] = [];
  const stream = { isTTY: false, write: (text: string) => (written.push(text), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => written.join('').trimEnd().split('\n') };
}

const metrics = (epochsSeen: number, lossShare: number): EpochDatasetMetrics => ({
  samples: 64,
  trainLoss: 0.1,
  valLoss: 0.5,
  configuredShare: 0.5,
  realizedShare: 0.5,
  lossShare,
  epochsSeen,
  samplingWeight: 1,
  lossWeight: 1,
});

const epoch = (n: number, datasets: Record<string, EpochDatasetMetrics>): EpochRecord => ({
  kind: 'epoch',
  epoch: n,
  steps: 10,
  time: 't',
  durationMs: 100,
  samplesPerSecond: 640,
  totalLoss: 0.3,
  datasets,
});

const record = {
  datasets: [
    { name: 'large', train: { size: 4000 }, validation: { size: 800 }, head: 'digit', skipped: { count: 0 }, fromCache: false },
    { name: 'tiny', train: { size: 150 }, validation: { size: 50 }, head: 'digit', skipped: { count: 0 }, fromCache: false },
  ],
} as unknown as RunRecord;

test('the CLI prints a balance warning once, when it first appears, and those left at the end', () => {
  const { stream, lines } = collector();
  const reporter = createProgressReporter(stream);
  reporter.onRunCreated?.('/runs/r1');
  reporter.onStart?.(record);
  reporter.onEpochStart?.(1, 3, 10);
  reporter.onEpochEnd?.(epoch(1, { large: metrics(1, 0.5), tiny: metrics(10, 0.5) }));
  reporter.onEpochEnd?.(epoch(2, { large: metrics(2, 0.5), tiny: metrics(21, 0.5) }));
  reporter.onEpochEnd?.(epoch(3, { large: metrics(3, 0.5), tiny: metrics(31, 0.5) }));
  reporter.onEvent?.({ kind: 'completed', time: 't' });
  const balance = lines().filter((line) => line.startsWith('balance'));
  assert.deepEqual(balance, [
    'balance: tiny (150 training samples) has been seen 21.0 times, 10.5× as often as the least-seen dataset: it is likely memorised. Lower its sampling weight or add data.',
    'balance at the end: tiny (150 training samples) has been seen 31.0 times, 10.3× as often as the least-seen dataset: it is likely memorised. Lower its sampling weight or add data.',
  ]);
});

test('a suggestion is printed as it comes, with its reason and the line that accepts it; one still open is listed at the end', () => {
  const { stream, lines } = collector();
  const reporter = createProgressReporter(stream);
  reporter.onRunCreated?.('/runs/r1');
  const suggestion = (epochNo: number) =>
    ({
      kind: 'weights-suggested',
      time: 't',
      epoch: epochNo,
      suggestionId: `suggestion-${epochNo}`,
      balancer: 'dwa',
      loss: { large: 0.8, tiny: 1.2 },
      reason: "tiny's loss is falling 2.0× slower than large's: raise its loss weight 1.00 → 1.20",
    }) as const;
  reporter.onEvent?.(suggestion(2));
  reporter.onEvent?.({ kind: 'suggestion-decided', time: 't', epoch: 3, suggestionId: 'suggestion-2', decision: 'rejected' });
  reporter.onEvent?.(suggestion(3));
  reporter.onEvent?.({ kind: 'stopped', time: 't', epoch: 3 });
  const printed = lines().filter((line) => !line.startsWith('run folder'));
  assert.deepEqual(printed, [
    "suggestion suggestion-2 (dwa, after epoch 2): tiny's loss is falling 2.0× slower than large's: raise its loss weight 1.00 → 1.20",
    `  loss weights {"large":0.8,"tiny":1.2}; to accept: echo '{"type":"set-weights","requestId":"suggestion-2","loss":{"large":0.8,"tiny":1.2}}' >> ${join('/runs/r1', 'control.jsonl')}`,
    'suggestion suggestion-2 rejected',
    "suggestion suggestion-3 (dwa, after epoch 3): tiny's loss is falling 2.0× slower than large's: raise its loss weight 1.00 → 1.20",
    `  loss weights {"large":0.8,"tiny":1.2}; to accept: echo '{"type":"set-weights","requestId":"suggestion-3","loss":{"large":0.8,"tiny":1.2}}' >> ${join('/runs/r1', 'control.jsonl')}`,
    "open suggestion suggestion-3: tiny's loss is falling 2.0× slower than large's: raise its loss weight 1.00 → 1.20",
    'stopped after epoch 3',
  ]);
});
