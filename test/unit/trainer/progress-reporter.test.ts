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
    "open suggestion suggestion-3 (dwa: loss weights): tiny's loss is falling 2.0× slower than large's: raise its loss weight 1.00 → 1.20",
    'stopped after epoch 3',
  ]);
});

test('a suggestion of sampling weights and augmentation is printed with what it should do, and the command that accepts it carries both', () => {
  const { stream, lines } = collector();
  const reporter = createProgressReporter(stream);
  reporter.onRunCreated?.('/runs/r1');
  reporter.onEvent?.({
    kind: 'weights-suggested',
    time: 't',
    epoch: 3,
    suggestionId: 'suggestion-3',
    balancer: 'sampling',
    sampling: { large: 0.8, tiny: 1 },
    augment: ['tiny'],
    dataset: 'tiny',
    reason: 'tiny is memorised (training accuracy 99.0% against 61.0% on validation, a gap of 38 points) and has no augmentation: switch on its augmentation',
    expected: 'the gap between training and validation accuracy should narrow',
  });
  reporter.onEvent?.({
    kind: 'weights-suggested',
    time: 't',
    epoch: 4,
    suggestionId: 'suggestion-4',
    balancer: 'diagnostics',
    augment: ['tiny'],
    reason: 'tiny has been seen 31.0 times: it is likely memorised and has no augmentation',
  });
  reporter.onEvent?.({ kind: 'completed', time: 't' });
  const control = join('/runs/r1', 'control.jsonl');
  assert.deepEqual(
    lines().filter((line) => !line.startsWith('run folder')),
    [
      'suggestion suggestion-3 (sampling, after epoch 3): tiny is memorised (training accuracy 99.0% against 61.0% on validation, a gap of 38 points) and has no augmentation: switch on its augmentation',
      '  expected: the gap between training and validation accuracy should narrow',
      `  sampling weights {"large":0.8,"tiny":1}; augmentation on for tiny (auto preset); to accept: echo '{"type":"set-weights","requestId":"suggestion-3","sampling":{"large":0.8,"tiny":1},"augment":["tiny"]}' >> ${control}`,
      'suggestion suggestion-4 (diagnostics, after epoch 4): tiny has been seen 31.0 times: it is likely memorised and has no augmentation',
      `  augmentation on for tiny (auto preset); to accept: echo '{"type":"set-weights","requestId":"suggestion-4","augment":["tiny"]}' >> ${control}`,
      'open suggestion suggestion-3 (sampling: sampling weights and augmentation for tiny): tiny is memorised (training accuracy 99.0% against 61.0% on validation, a gap of 38 points) and has no augmentation: switch on its augmentation',
      'open suggestion suggestion-4 (diagnostics: augmentation for tiny): tiny has been seen 31.0 times: it is likely memorised and has no augmentation',
    ],
  );
  const accept = /echo '(.*)' >>/.exec(lines()[3] ?? '')?.[1];
  assert.deepEqual(JSON.parse(accept ?? 'null'), { type: 'set-weights', requestId: 'suggestion-3', sampling: { large: 0.8, tiny: 1 }, augment: ['tiny'] });
});

test('the sampling balancer’s moves and the augmentation it switches on are printed as they come, and summed up at the end', () => {
  const { stream, lines } = collector();
  const reporter = createProgressReporter(stream);
  reporter.onRunCreated?.('/runs/r1');
  reporter.onStart?.(record);
  reporter.onEpochStart?.(1, 3, 10);
  const shared = (configuredShare: number) => ({ ...metrics(1, 0.5), configuredShare });
  reporter.onEpochEnd?.(epoch(1, { large: shared(0.9), tiny: shared(0.1) }));
  reporter.onEvent?.({
    kind: 'sampling-balanced',
    time: 't',
    epoch: 1,
    multipliers: { large: 1, tiny: 1.25 },
    shares: { large: 0.878, tiny: 0.122 },
    reason: "tiny's validation loss 1.420 is 2.10× the datasets' mean after the first epoch: raise its sampling weight 1.00 → 1.25",
  });
  reporter.onEpochEnd?.(epoch(2, { large: shared(0.878), tiny: shared(0.122) }));
  reporter.onEvent?.({
    kind: 'augmentation-on',
    time: 't',
    epoch: 3,
    dataset: 'tiny',
    augment: { rotation: 10, width_shift: 0.1, height_shift: 0.1, zoom: 0.1 },
    reason: 'tiny is memorised (training accuracy 99.0% against 70.0% on validation, a gap of 29 points) and has no augmentation',
  });
  reporter.onEvent?.({
    kind: 'sampling-balanced',
    time: 't',
    epoch: 2,
    multipliers: { large: 1, tiny: 1 },
    shares: { large: 0.9, tiny: 0.1 },
    reason: 'tiny is memorised: lower its sampling weight 1.25 → 1.00',
  });
  reporter.onEvent?.({ kind: 'completed', time: 't' });
  const printed = lines().filter((line) => !/^(run folder|dataset |epoch )/.test(line));
  assert.deepEqual(printed, [
    "sampling balancer after epoch 1: tiny's validation loss 1.420 is 2.10× the datasets' mean after the first epoch: raise its sampling weight 1.00 → 1.25",
    '  shares of each batch from now on: large 90.0% → 87.8%, tiny 10.0% → 12.2%',
    'augmentation on for tiny from epoch 3 (rotation 10, width_shift 0.1, height_shift 0.1, zoom 0.1): tiny is memorised (training accuracy 99.0% against 70.0% on validation, a gap of 29 points) and has no augmentation',
    'sampling balancer after epoch 2: tiny is memorised: lower its sampling weight 1.25 → 1.00',
    '  shares of each batch from now on: large 87.8% → 90.0%, tiny 12.2% → 10.0%',
    'sampling balancer at the end: 2 moves, the last after epoch 2; shares: large 90.0%, tiny 10.0%',
    '  sampling weights multiplied by: large ×1, tiny ×1',
    'augmentation on at the end: tiny (from epoch 3)',
  ]);
});
