/**
 * The CLI's pieces on their own: the progress reporter on a terminal (progress bar, loading line)
 * and in a log (one line per event), quiet; the event summary printed after a run; the run and
 * compare tables; number formatting; and the signal handling behind Ctrl-C, on a stand-in for `process`.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { DatasetReport, EpochDatasetMetrics, RunEvent, RunRecord } from '../../../src/shared/runs/format';
import { eventSummaryLines } from '../../../src/trainer/cli/eventSummary';
import { decimal, integer, percent, wrapParts } from '../../../src/trainer/cli/format';
import { createProgressReporter } from '../../../src/trainer/cli/progressReporter';
import { stopOnSignals, type SignalTarget } from '../../../src/trainer/cli/stopOnSignals';
import { compareTable, differencesTable, runSummaryTable } from '../../../src/trainer/cli/summaryTable';
import type { EpochRecord, StepRecord } from '../../../src/trainer/trainingReporter';

/** A stream that collects what is written; a terminal of 200 columns when `tty`. */
function stream(tty: boolean) {
  let written = '';
  const target = {
    isTTY: tty,
    columns: 200,
    write: (text: string, callback?: () => void) => {
      written += text;
      callback?.();
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  // Without the terminal's escape sequences (cursor moves, hide/show, clear line).
  const plain = () => written.replace(/\x1B(\[[?\d;]*[A-Za-z]|[78])/g, '');
  return { target, written: () => written, plain };
}

const metrics = (fields: Partial<EpochDatasetMetrics> = {}): EpochDatasetMetrics => ({
  samples: 64,
  trainLoss: 0.4,
  trainAccuracy: 0.75,
  valLoss: 0.5,
  valAccuracy: 0.625,
  configuredShare: 0.5,
  realizedShare: 0.5,
  lossShare: 0.5,
  epochsSeen: 1,
  samplingWeight: 1,
  lossWeight: 1,
  ...fields,
});

const epochRecord = (epoch: number, datasets: Record<string, EpochDatasetMetrics>): EpochRecord => ({
  kind: 'epoch',
  epoch,
  steps: 12,
  time: 't',
  durationMs: 100,
  samplesPerSecond: 1234.4,
  totalLoss: 0.9,
  datasets,
});

const step = (n: number): StepRecord => ({
  kind: 'step',
  epoch: 1,
  step: n,
  globalStep: n,
  time: 't',
  totalLoss: 0.75,
  datasets: { big: { samples: 8, loss: 0.5 }, small: { samples: 8, loss: 0.254 } },
});

const report = (name: string, fields: Partial<DatasetReport> = {}): DatasetReport => ({
  name,
  type: 'images',
  head: 'digit',
  stem: 'image',
  task: 'classification',
  train: { size: 4000, classes: {} },
  validation: { size: 800, classes: {} },
  skipped: { count: 0, byClass: {}, items: [] },
  sampleShape: [8, 8, 1],
  fromCache: false,
  ...fields,
});

test('on a terminal: a loading line redrawn at most every 250 ms and ended at the last file, and a progress bar per epoch with step, throughput and losses', (t) => {
  let now = 10_000;
  t.mock.method(Date, 'now', () => now);
  const { target, plain, written } = stream(true);
  const reporter = createProgressReporter(target);
  reporter.onDataProgress?.('big', 1, 48);
  now += 100;
  reporter.onDataProgress?.('big', 2, 48);
  now += 200;
  reporter.onDataProgress?.('big', 30, 48);
  reporter.onDataProgress?.('big', 48, 48);
  assert.equal(written(), '\rloading big: 1/48\rloading big: 30/48\rloading big: 48/48\n');

  reporter.onEpochStart?.(1, 3, 10);
  reporter.onStep?.(step(4), 1234.4);
  // A step past the expected total (the epoch ran longer) stretches the bar.
  reporter.onStep?.(step(12), 1234.4);
  reporter.onEpochEnd?.(epochRecord(1, { big: metrics(), small: metrics({ valAccuracy: undefined, valLoss: 0.25 }) }));
  const bar = plain().slice(plain().indexOf('\n') + 1);
  assert.match(bar, /^epoch 1 of 3 \|░{24}\| step 0\/10 \| — samples\/s \| /, 'drawn as the epoch starts');
  assert.match(bar, /epoch 1 of 3 \|█{24}\| step 12\/12 \| 1,234 samples\/s \| big 0\.50 small 0\.25/, 'drawn once more as it ends');
  assert.ok(
    written().includes('\x1B[?25l') && written().endsWith('epoch 1 of 3 done: 12 steps, 1,234 samples/s, val loss/acc: big 0.500/62.5%, small 0.250\n'),
  );
  assert.ok(written().lastIndexOf('\x1B[?25h') > written().lastIndexOf('\x1B[?25l'), 'the cursor is shown again');

  // Events start on a line of their own, below the bar's.
  reporter.onEvent?.({ kind: 'resumed', time: 't', epoch: 2, step: 3 });
  assert.ok(written().endsWith('\n\nresumed\n'));
});

test('in a log: `loaded` once per dataset, the backend and what it skipped, each dataset’s sizes, head, cache and skipped files; no bar', () => {
  const { target, written } = stream(false);
  const reporter = createProgressReporter(target);
  reporter.onRunCreated?.('/runs/r1');
  reporter.onDataProgress?.('big', 10, 48);
  reporter.onDataProgress?.('big', 48, 48);
  const record = {
    backend: { name: 'tensorflow', requested: 'auto', usingGpu: true, skipped: [{ name: 'tensorflow-gpu', reason: 'no CUDA device' }] },
    datasets: [
      report('big', { fromCache: true, skipped: { count: 3, byClass: { a: 3 }, items: [] } }),
      report('small', { head: 'side', train: { size: 1500, classes: {} } }),
    ],
  } as unknown as RunRecord;
  reporter.onStart?.(record);
  reporter.onEpochStart?.(1, 2, 10);
  reporter.onStep?.(step(1), 100);
  reporter.onWarning?.('mixing.temperature is ignored');
  assert.deepEqual(written().split('\n'), [
    'run folder: /runs/r1',
    'loaded big: 48 files',
    'backend: tensorflow (GPU)',
    '  skipped tensorflow-gpu: no CUDA device',
    'dataset big: 4,000 train / 800 validation → head digit (cached), 3 skipped',
    'dataset small: 1,500 train / 800 validation → head side',
    'warning: mixing.temperature is ignored',
    '',
  ]);
});

test('each event the CLI reports, in its words; routine ones (checkpoints, the start) say nothing', () => {
  const { target, written } = stream(false);
  const reporter = createProgressReporter(target);
  const events: RunEvent[] = [
    { kind: 'started', time: 't', backend: 'wasm' },
    { kind: 'checkpoint', time: 't', epoch: 1, name: 'epoch-0001', best: true },
    { kind: 'weights-requested', time: 't', epoch: 2, step: 5, change: { sampling: { big: 2 } } },
    { kind: 'weights-applied', time: 't', epoch: 3, sampling: { big: 2, small: 1 }, loss: { big: 1, small: 0.5 } },
    { kind: 'weights-rejected', time: 't', reason: 'unknown dataset "bgi"' },
    { kind: 'paused', time: 't', epoch: 3, step: 7 },
    { kind: 'resumed', time: 't', epoch: 3, step: 7 },
    { kind: 'suggestion-decided', time: 't', epoch: 4, suggestionId: 'suggestion-3', decision: 'accepted' },
    { kind: 'diverged', time: 't', epoch: 5, step: 2, dataset: 'big', message: 'the loss of dataset big became NaN' },
    { kind: 'stopped', time: 't', epoch: 5, reason: 'no improvement in 3 epochs' },
    { kind: 'completed', time: 't' },
    { kind: 'completed', time: 't', epoch: 6, reason: 'the step budget is spent (max_steps: 8)' },
  ];
  events.forEach((event) => reporter.onEvent?.(event));
  assert.deepEqual(written().split('\n'), [
    'weight change requested at epoch 2 step 5: applies at the next epoch',
    'weights applied from epoch 3: sampling {"big":2,"small":1}, loss {"big":1,"small":0.5}',
    'command rejected: unknown dataset "bgi"',
    'paused at epoch 3 step 7',
    'resumed',
    'suggestion suggestion-3 accepted',
    'diverged: the loss of dataset big became NaN',
    'stopped after epoch 5: no improvement in 3 epochs',
    'completed after epoch 6: the step budget is spent (max_steps: 8)',
    '',
  ]);
});

test('--quiet: nothing at all, whatever happens, and no bar even on a terminal', () => {
  const { target, written } = stream(true);
  const reporter = createProgressReporter(target, true);
  reporter.onRunCreated?.('/runs/r1');
  reporter.onDataProgress?.('big', 48, 48);
  reporter.onEpochStart?.(1, 1, 10);
  reporter.onStep?.(step(1), 100);
  reporter.onEpochEnd?.(epochRecord(1, { big: metrics() }));
  reporter.onEvent?.({ kind: 'weights-suggested', time: 't', epoch: 1, suggestionId: 'suggestion-1', balancer: 'dwa', loss: { big: 1 }, reason: 'r' });
  reporter.onEvent?.({ kind: 'completed', time: 't' });
  reporter.onWarning?.('w');
  assert.equal(written(), '');
});

test('the event summary after a run: old → new for each changed weight and who asked; routine events left out; no epoch for an event that has none', () => {
  const weights = { sampling: { big: 1, small: 1 }, loss: { big: 1, small: 2 } };
  const events: RunEvent[] = [
    { kind: 'started', time: 't', backend: 'wasm' },
    { kind: 'weights-requested', time: 't', epoch: 2, step: 4, change: { sampling: { small: 3 } }, requestId: 'panel-1' },
    { kind: 'weights-applied', time: 't', epoch: 3, sampling: { big: 1, small: 3 }, loss: { big: 1, small: 2 }, requestId: 'panel-1' },
    { kind: 'weights-rejected', time: 't', reason: 'unknown dataset "bgi"' },
    { kind: 'paused', time: 't', epoch: 3, step: 1 },
    { kind: 'checkpoint', time: 't', epoch: 3, name: 'epoch-0003', best: false },
    { kind: 'completed', time: 't' },
  ];
  assert.deepEqual(eventSummaryLines(events, weights), [
    '  epoch 2: Weight change asked from the panel during epoch 2: applies when epoch 3 starts (small sampling 1 → 3)',
    '  epoch 3: Weights changed from epoch 3, asked from the panel (small sampling 1 → 3)',
    '  Weight change asked from the command line was refused: unknown dataset "bgi"',
    '  epoch 3: Paused in epoch 3',
  ]);
  assert.deepEqual(
    eventSummaryLines(
      [
        { kind: 'started', time: 't', backend: 'wasm' },
        { kind: 'completed', time: 't' },
      ],
      weights,
    ),
    [],
  );
});

test('the run table: one row per dataset the epoch has, MAE for regression, — for what was not measured', () => {
  const table = runSummaryTable(
    [report('big'), report('reg', { task: 'regression', train: { size: 1234567, classes: {} } }), report('absent')],
    epochRecord(4, {
      big: metrics({ configuredShare: 0.25, realizedShare: 0.2512, lossShare: 0.4, epochsSeen: 2.25, trainLoss: 0.12345 }),
      reg: metrics({ trainAccuracy: undefined, valAccuracy: undefined, valMae: 0.0456, valLoss: Number.NaN }),
    }),
  );
  assert.equal(
    table,
    [
      '┌────────┬──────────────┬────────────┬───────┬──────┬────────┬───────┬─────────┬──────────┐',
      '│dataset │n train/val   │share→real  │loss % │seen× │tr loss │tr acc │val loss │val acc   │',
      '├────────┼──────────────┼────────────┼───────┼──────┼────────┼───────┼─────────┼──────────┤',
      '│big     │4,000/800     │25.0%→25.1% │40.0%  │2.3   │0.123   │75.0%  │0.500    │62.5%     │',
      '│reg     │1,234,567/800 │50.0%→50.0% │50.0%  │1.0   │0.400   │—      │—        │mae 0.046 │',
      '└────────┴──────────────┴────────────┴───────┴──────┴────────┴───────┴─────────┴──────────┘',
    ].join('\n'),
  );
});

test('the compare table: a dataset a run lacks is —, a run with no accuracy has no worst or mean; the differences table as text and Markdown', () => {
  const runs = [
    { label: 'a', epoch: epochRecord(2, { big: metrics({ valAccuracy: 0.9 }), small: metrics({ valAccuracy: 0.6 }) }) },
    { label: 'b', epoch: epochRecord(2, { reg: metrics({ valAccuracy: undefined, valMae: 0.25 }) }) },
  ];
  assert.equal(
    compareTable(runs, true),
    [
      '| validation accuracy | a | b |',
      '|---|---|---|',
      '| big | 90.0% | — |',
      '| small | 60.0% | — |',
      '| reg | — | mae 0.250 |',
      '| **worst** | 60.0% | — |',
      '| **mean** | 75.0% | — |',
    ].join('\n'),
  );
  assert.match(compareTable(runs, false), /^│ worst +│ 60\.0% │ — +│$/m);

  const differences = [
    { field: 'mixing.strategy', values: ['uniform', 'temperature'] },
    { field: 'training.epochs', values: ['3', '—'] },
  ];
  assert.equal(
    differencesTable(['a', 'b'], differences, true),
    '| field that differs | a | b |\n|---|---|---|\n| mixing.strategy | uniform | temperature |\n| training.epochs | 3 | — |',
  );
  assert.equal(
    differencesTable(['a', 'b'], differences, false),
    [
      '┌────────────────────┬─────────┬─────────────┐',
      '│ field that differs │ a       │ b           │',
      '├────────────────────┼─────────┼─────────────┤',
      '│ mixing.strategy    │ uniform │ temperature │',
      '├────────────────────┼─────────┼─────────────┤',
      '│ training.epochs    │ 3       │ —           │',
      '└────────────────────┴─────────┴─────────────┘',
    ].join('\n'),
  );
  assert.equal(differencesTable(['a', 'b'], [], false), 'The experiments are the same in every field.');
});

test('numbers: percent and decimals with — for what is missing or NaN, integers with thousands separators; wrapping with another separator', () => {
  assert.deepEqual(
    [percent(undefined), percent(Number.NaN), percent(0.12345), percent(1), decimal(undefined), decimal(Number.NaN), decimal(1.23456), decimal(1.25, 1)],
    ['—', '—', '12.3%', '100.0%', '—', '—', '1.235', '1.3'],
  );
  assert.deepEqual([integer(0), integer(999.5), integer(1234567.4)], ['0', '1,000', '1,234,567']);
  assert.equal(wrapParts('h: ', ['aa', 'bb', 'cc'], ' | ', 12), 'h: aa | bb |\n  cc');
  // A head with nothing but spaces never stands alone on a line.
  assert.equal(wrapParts('', ['x'.repeat(120)]), 'x'.repeat(120));
});

/** Stands in for `process`: signals are emitted by the test, exits are recorded. */
class FakeProcess extends EventEmitter implements SignalTarget {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

test('signals: the stop is aborted with the signal as its reason; once disposed, a later signal neither exits nor notifies', () => {
  const target = new FakeProcess();
  const notices: string[] = [];
  const stop = stopOnSignals((signal) => notices.push(signal), target);
  assert.deepEqual([target.listenerCount('SIGINT'), target.listenerCount('SIGTERM')], [1, 1]);
  target.emit('SIGINT', 'SIGINT');
  assert.equal(stop.signal.reason, 'SIGINT');
  stop.dispose();
  target.emit('SIGINT', 'SIGINT');
  target.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(notices, ['SIGINT']);
  assert.deepEqual(target.exits, []);
});

test('signals: each stop listens on its own; a second one started after the first run ended gets its first signal as a stop, not an exit', () => {
  const target = new FakeProcess();
  const first = stopOnSignals(() => undefined, target);
  target.emit('SIGTERM', 'SIGTERM');
  first.dispose();
  const notices: string[] = [];
  const second = stopOnSignals((signal) => notices.push(signal), target);
  target.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual([second.signal.aborted, notices, target.exits], [true, ['SIGTERM'], []]);
  target.emit('SIGINT', 'SIGINT');
  assert.deepEqual(target.exits, [130]);
  second.dispose();
});
