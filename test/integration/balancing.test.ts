/**
 * Balancing in real runs of the tiny workspace: gradient diagnostics in metrics.jsonl, every
 * balancer training to the end with its weights logged, suggest-then-approve through the control
 * file, and schedules applied at epoch boundaries.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MetricRecord, RunEvent } from '../../src/shared/runs/format';
import { parseEvents, parseMetrics } from '../../src/shared/runs/readRecords';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { runExperiment } from '../../src/trainer/runExperiment';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';

type Diagnostics = Extract<MetricRecord, { kind: 'diagnostics' }>;
type Epoch = Extract<MetricRecord, { kind: 'epoch' }>;

async function train(extraTraining: string, options: { epochs?: number; strategy?: string; onEvent?: (event: RunEvent, runDir: string) => void } = {}) {
  const workspace = await createTinyWorkspace({ epochs: options.epochs ?? 3, extraTraining, ...(options.strategy ? { strategy: options.strategy } : {}) });
  let runDir = '';
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: {
      onRunCreated: (dir) => (runDir = dir),
      onEvent: (event) => options.onEvent?.(event, runDir),
    },
  });
  const metrics = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'));
  return {
    status: result.record.status,
    weights: readFileSync(join(runDir, 'model', 'weights.bin')),
    steps: metrics.filter((m) => m.kind === 'step').map((m) => (m.kind === 'step' ? m.totalLoss : 0)),
    diagnostics: metrics.filter((m): m is Diagnostics => m.kind === 'diagnostics'),
    epochs: metrics.filter((m): m is Epoch => m.kind === 'epoch'),
    events: parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8')),
    record: result.record,
  };
}

test('gradient diagnostics every 2 steps: norms, shares summing to 1, a symmetric cosine matrix, and an epoch summary', async () => {
  const run = await train('  diagnostics: { every: 2 }');
  assert.equal(run.status, 'completed');
  // 3 epochs × 6 steps: global steps 2, 4, …, 18.
  assert.deepEqual(
    run.diagnostics.map((d) => d.globalStep),
    [2, 4, 6, 8, 10, 12, 14, 16, 18],
  );
  for (const d of run.diagnostics) {
    assert.deepEqual(d.names, ['big', 'small', 'table', 'reg']);
    const shares = d.normShares.filter((s): s is number => s !== null);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    d.cosine.forEach((row, a) => row.forEach((c, b) => assert.equal(c, d.cosine[b]?.[a] ?? null)));
    d.cosine.forEach((row, a) => assert.ok(row[a] === null || Math.abs((row[a] as number) - 1) < 1e-6));
    // Four stems and heads: only the trunk (16×16 + 16) is shared by all four.
    assert.equal(d.sharedParameters, 16 * 16 + 16);
  }
  const summary = run.epochs[0]?.gradients;
  assert.equal(summary?.steps, 3);
  assert.ok(summary?.conflictFraction.every((row) => row.every((f) => f === null || (f >= 0 && f <= 1))));
  assert.ok(run.epochs.every((e) => Object.values(e.datasets).every((d) => d.gradNormShare === undefined || (d.gradNormShare > 0 && d.gradNormShare < 1))));
});

test('with diagnostics off nothing is written about gradients', async () => {
  const run = await train('  diagnostics: { every: 0 }', { epochs: 1 });
  assert.equal(run.diagnostics.length, 0);
  assert.equal(run.epochs[0]?.gradients, undefined);
});

for (const type of ['uncertainty', 'dwa', 'gradnorm', 'pcgrad'] as const) {
  test(`the ${type} balancer trains to the end and logs its weights`, async () => {
    const run = await train(`  balancer: { type: ${type} }\n  diagnostics: { every: 2 }`);
    assert.equal(run.status, 'completed');
    const weights = run.epochs.map((e) => Object.values(e.datasets).map((d) => d.balancerWeight));
    if (type === 'pcgrad') {
      assert.ok(
        weights.flat().every((w) => w === undefined),
        'pcgrad changes gradients, not weights',
      );
      return;
    }
    assert.ok(
      weights.flat().every((w) => w !== undefined && Number.isFinite(w) && w > 0),
      JSON.stringify(weights),
    );
    if (type === 'uncertainty')
      assert.ok(
        weights.at(-1)?.some((w) => Math.abs((w as number) - 1) > 1e-3),
        'the log-variances were learned',
      );
    if (type === 'dwa' || type === 'gradnorm') {
      const last = weights.at(-1) as number[];
      assert.ok(Math.abs(last.reduce((a, b) => a + b, 0) - 4) < 1e-6, `${type} keeps Σw = K: ${last.join(', ')}`);
    }
  });
}

test('suggest mode: dwa proposes loss weights with a reason; accepting applies them at the next epoch, rejecting does not', async () => {
  const run = await train('  balancer: { type: dwa, mode: suggest }', {
    epochs: 4,
    onEvent: (event, runDir) => {
      if (event.kind !== 'weights-suggested') return;
      const command =
        event.epoch === 2
          ? { type: 'set-weights', requestId: event.suggestionId, loss: event.loss }
          : { type: 'reject-suggestion', suggestionId: event.suggestionId };
      // (Epoch 1 has no loss ratio yet: its weights would be the ones in force, so it suggests nothing.)
      appendFileSync(join(runDir, 'control.jsonl'), `${JSON.stringify(command)}\n`);
    },
  });
  assert.equal(run.status, 'completed');
  const suggested = run.events.filter((e): e is Extract<RunEvent, { kind: 'weights-suggested' }> => e.kind === 'weights-suggested');
  assert.deepEqual(
    suggested.map((e) => e.epoch),
    [2, 3],
    'one per epoch end with a loss ratio, but the last',
  );
  assert.ok(suggested.every((e) => e.reason.length > 10 && e.balancer === 'dwa'));
  const decided = run.events.filter((e): e is Extract<RunEvent, { kind: 'suggestion-decided' }> => e.kind === 'suggestion-decided');
  assert.deepEqual(
    decided.map((e) => [e.suggestionId, e.decision]),
    [
      ['suggestion-2', 'accepted'],
      ['suggestion-3', 'rejected'],
    ],
  );
  const accepted = suggested[0] as Extract<RunEvent, { kind: 'weights-suggested' }>;
  const applied = run.events.find((e): e is Extract<RunEvent, { kind: 'weights-applied' }> => e.kind === 'weights-applied' && e.requestId === 'suggestion-2');
  assert.equal(applied?.epoch, 3);
  assert.deepEqual(applied?.loss, accepted.loss);
  assert.deepEqual(Object.fromEntries(Object.entries(run.epochs[2]?.datasets ?? {}).map(([n, d]) => [n, d.lossWeight])), accepted.loss);
  assert.ok(
    run.epochs.every((e) => Object.values(e.datasets).every((d) => d.balancerWeight !== undefined)),
    'the proposed multipliers are logged',
  );
});

test('a dataset starved of samples is proposed sampling weight before dwa proposes loss weights; accepting brings it to half an equal share', async () => {
  const run = await train('  balancer: { type: dwa, mode: suggest }', {
    strategy: 'proportional',
    onEvent: (event, runDir) => {
      if (event.kind === 'weights-suggested' && event.epoch === 1)
        appendFileSync(join(runDir, 'control.jsonl'), `${JSON.stringify({ type: 'set-weights', requestId: event.suggestionId, sampling: event.sampling })}\n`);
    },
  });
  const { events, epochs } = run;
  const first = events.find((e): e is Extract<RunEvent, { kind: 'weights-suggested' }> => e.kind === 'weights-suggested');
  // Proportional: small (the fewest images) gets about 5% of each batch of four datasets, its validation loss the highest.
  const share = epochs[0]?.datasets.small?.realizedShare ?? 1;
  assert.ok(share < 0.5 / 4, `small's share ${share}`);
  assert.equal(first?.epoch, 1);
  assert.equal(first?.balancer, 'diagnostics', 'before dwa: its first loss ratio comes after epoch 2');
  assert.equal(first?.dataset, 'small');
  assert.deepEqual(first?.loss, undefined);
  assert.match(
    first?.reason ?? '',
    /^small's validation loss [\d.]+ is [\d.]+× the datasets' mean after the first epoch, yet it gets 5\.\d% of each batch, under half an equal share \(12\.5%\): raise its sampling weight 1\.00 → /,
  );
  const applied = events.find((e): e is Extract<RunEvent, { kind: 'weights-applied' }> => e.kind === 'weights-applied' && e.requestId === first?.suggestionId);
  assert.equal(applied?.epoch, 2);
  const next = epochs[1]?.datasets.small;
  assert.equal(next?.samplingWeight, first?.sampling?.small);
  assert.ok(Math.abs((next?.configuredShare ?? 0) - 0.125) < 0.002, `small's share after accepting: ${next?.configuredShare}`);
});

type Event<K extends RunEvent['kind']> = Extract<RunEvent, { kind: K }>;
const eventsOf = <K extends RunEvent['kind']>(events: RunEvent[], kind: K) => events.filter((e): e is Event<K> => e.kind === kind);

test('the sampling balancer moves shares between epochs: each move is recorded and the next epoch samples by it', async () => {
  const run = await train('  balancer: { type: sampling }', { epochs: 4 });
  assert.equal(run.status, 'completed');
  const moves = eventsOf(run.events, 'sampling-balanced');
  assert.ok(moves.length > 0, 'the datasets differ in validation loss: shares move');
  for (const move of moves) {
    const next = run.epochs[move.epoch];
    if (next === undefined) continue;
    for (const [name, share] of Object.entries(move.shares))
      assert.ok(Math.abs((next.datasets[name]?.configuredShare ?? 0) - share) < 1e-9, `${name} after epoch ${move.epoch}`);
    assert.match(move.reason, /: (raise|lower|keep) its sampling weight|switch on its augmentation/);
    assert.ok(
      Object.values(move.multipliers).every((m) => m >= 0.5 / 1.0001 && m <= 4),
      'within the default range (or lower, capped)',
    );
  }
});

test('suggest mode: the sampling balancer proposes sampling weights; accepting applies them, and a request adds augmentation to an image dataset', async () => {
  let requested = false;
  const run = await train('  balancer: { type: sampling, mode: suggest }', {
    epochs: 4,
    onEvent: (event, runDir) => {
      const commands: object[] = [];
      if (event.kind === 'weights-suggested' && event.epoch === 1) {
        commands.push({ type: 'set-weights', requestId: event.suggestionId, sampling: event.sampling, ...(event.augment ? { augment: event.augment } : {}) });
      }
      if (event.kind === 'weights-applied' && !requested) {
        requested = true;
        commands.push(
          { type: 'set-weights', augment: ['small'], requestId: 'by-hand' },
          { type: 'set-weights', augment: ['table'] },
          { type: 'set-weights', augment: ['big'] },
        );
      }
      for (const command of commands) appendFileSync(join(runDir, 'control.jsonl'), `${JSON.stringify(command)}\n`);
    },
  });
  assert.equal(run.status, 'completed');
  const first = eventsOf(run.events, 'weights-suggested')[0];
  assert.ok(first?.sampling && first.balancer === 'sampling' && first.dataset && first.expected, JSON.stringify(first));
  assert.equal(first.loss, undefined, 'sampling suggestions leave the loss weights');
  assert.deepEqual(
    eventsOf(run.events, 'suggestion-decided')
      .map((e) => [e.suggestionId, e.decision])
      .slice(0, 1),
    [['suggestion-1', 'accepted']],
  );
  const applied = eventsOf(run.events, 'weights-applied').find((e) => e.requestId === 'suggestion-1');
  assert.equal(applied?.epoch, 2);
  assert.deepEqual(applied?.sampling, first.sampling);
  assert.deepEqual(Object.fromEntries(Object.entries(run.epochs[1]?.datasets ?? {}).map(([n, d]) => [n, d.samplingWeight])), first.sampling);
  const switched = eventsOf(run.events, 'augmentation-on');
  assert.deepEqual(
    switched.map((e) => [e.epoch, e.dataset, e.requestId]),
    [[3, 'small', 'by-hand']],
    'the augmentation asked for during epoch 2 is in force from epoch 3',
  );
  const refused = eventsOf(run.events, 'weights-rejected').map((e) => e.reason);
  assert.ok(refused.includes("'table' is not an image dataset: only images are augmented"), refused.join('; '));
  assert.ok(refused.includes("'big' already has the augmentation its experiment writes"), refused.join('; '));
});

test('schedules set loss weights and the temperature at each epoch boundary', async () => {
  const workspace = await createTinyWorkspace({ epochs: 3, strategy: 'temperature' });
  const text = readFileSync(workspace.experimentFile, 'utf8')
    .replace('    loss_weight: 2\n', '    loss_weight_schedule: { type: linear, from: 2, to: 0.5, end_epoch: 3 }\n')
    .replace('  strategy: temperature\n', '  strategy: temperature\n  temperature_schedule: { type: step, from: 4, to: 1, start_epoch: 1, end_epoch: 3 }\n');
  writeFileSync(workspace.experimentFile, text);
  let runDir = '';
  await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: { onRunCreated: (dir) => (runDir = dir) },
  });
  const epochs = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).filter((m): m is Epoch => m.kind === 'epoch');
  assert.deepEqual(
    epochs.map((e) => e.datasets.small?.lossWeight),
    [2, 1.25, 0.5],
  );
  assert.deepEqual(
    epochs.map((e) => e.temperature),
    [4, 4, 1],
  );
  const scheduled = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8')).filter((e) => e.kind === 'weights-scheduled');
  assert.deepEqual(
    scheduled.map((e) => e.kind === 'weights-scheduled' && [e.epoch, e.loss?.small, e.temperature]),
    [
      [1, 2, 4],
      [2, 1.25, undefined],
      [3, 0.5, 1],
    ],
  );
});

test('suggest mode: GradNorm’s suggestions give its own evidence (gradient norm against target) in the direction it proposes', async () => {
  const run = await train('  balancer: { type: gradnorm, mode: suggest }\n  diagnostics: { every: 1 }', { epochs: 4 });
  assert.equal(run.status, 'completed');
  const suggested = run.events.filter((e): e is Extract<RunEvent, { kind: 'weights-suggested' }> => e.kind === 'weights-suggested');
  assert.ok(suggested.length > 0, 'GradNorm proposed something');
  for (const suggestion of suggested) {
    const found = /^(\S+)'s weighted gradient norm on the shared layers averaged ([\d.]+)× the mean(, (above|below) its target| against a target)/.exec(
      suggestion.reason,
    );
    assert.ok(found, suggestion.reason);
    const verb = /: (raise|lower) its loss weight/.exec(suggestion.reason)?.[1];
    if (found[4] !== undefined) assert.equal(found[4] === 'above' ? 'lower' : 'raise', verb, suggestion.reason);
  }
});

test('gradient diagnostics change nothing about training: a run with them every step ends with the weights of one without, bit for bit', async () => {
  const measured = await train('  diagnostics: { every: 1 }');
  const plain = await train('  diagnostics: { every: 0 }');
  assert.equal(measured.diagnostics.length, 18, 'every step measured');
  assert.equal(plain.diagnostics.length, 0);
  assert.deepEqual(measured.steps, plain.steps, 'the same loss at every step');
  assert.ok(measured.weights.equals(plain.weights), 'the same final weights');
});

test('early stopping ends the run completed, with the reason, after `patience` epochs without improvement, its last epoch checkpointed', async () => {
  // An improvement must beat the best by 100: after the first epoch nothing counts as one.
  const run = await train('  early_stopping: { patience: 2, min_delta: 100 }', { epochs: 10 });
  assert.equal(run.status, 'completed');
  assert.deepEqual(
    run.epochs.map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.equal(run.events.filter((e) => e.kind === 'stopped').length, 0, 'not a stop: training ended by its own rule');
  const completed = run.events.find((e): e is Extract<RunEvent, { kind: 'completed' }> => e.kind === 'completed');
  assert.equal(completed?.epoch, 3);
  assert.match(
    completed?.reason ?? '',
    /^early stopping: val_loss_mean \(the mean validation loss over datasets\) has not improved for 2 epochs \(its best, [\d.]+ at epoch 1\)$/,
  );
  assert.ok(run.events.some((e) => e.kind === 'checkpoint' && e.epoch === 3));
});

test('monitors follow one dataset or the worst one: the best checkpoint by `val_loss:small`, early stopping on the highest validation loss', async () => {
  const run = await train('  checkpoint: { monitor: val_loss:small, keep_last: 1 }\n  early_stopping: { monitor: val_loss_worst, patience: 2 }', { epochs: 8 });
  assert.equal(run.status, 'completed');
  const small = run.epochs.map((e) => e.datasets.small?.valLoss ?? Number.NaN);
  const bestEpoch = small.indexOf(Math.min(...small)) + 1;
  assert.deepEqual(run.record.best, { epoch: bestEpoch, monitor: 'val_loss:small', value: Math.min(...small), checkpoint: run.record.best?.checkpoint });
  assert.equal(run.record.model?.epoch, bestEpoch, 'model/ holds the epoch best for `small`');
  // Replay early stopping by hand on the worst (highest) validation loss of each epoch.
  const worst = run.epochs.map((e) => Math.max(...Object.values(e.datasets).map((d) => d.valLoss)));
  let best = Number.POSITIVE_INFINITY;
  let since = 0;
  let stopAt = 8;
  for (const [index, value] of worst.entries()) {
    if (value < best) [best, since] = [value, 0];
    else if (++since === 2) {
      stopAt = index + 1;
      break;
    }
  }
  assert.equal(run.epochs.length, stopAt, `worst validation losses ${worst.join(', ')}`);
  const completed = run.events.find((e): e is Extract<RunEvent, { kind: 'completed' }> => e.kind === 'completed');
  assert.ok(stopAt < 8, 'it stopped early');
  assert.match(completed?.reason ?? '', /^early stopping: val_loss_worst \(the worst dataset's validation loss\) has not improved for 2 epochs/);
  assert.notEqual(bestEpoch, worst.indexOf(Math.min(...worst)) + 1, 'the two monitors disagree on this run, so the test tells them apart');
});
