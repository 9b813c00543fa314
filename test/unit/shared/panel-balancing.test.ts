import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balancerSummary, balancingColumns, conflictCellText, conflictMap, cosineBucket, datasetsWithCurve } from '../../../src/shared/panel/balancing';
import { trainerCommandFor, type PanelControlMessage } from '../../../src/shared/panel/panelCommands';
import { initialPanelState, reducePanel, withRejectionSent, withSentRequest, type PanelState } from '../../../src/shared/panel/panelState';
import { parsePanelMessage, type HostToPanelMessage } from '../../../src/shared/panel/protocol';
import { emptyRunView, foldRecords, type RunView, type Suggestion } from '../../../src/shared/panel/runView';
import { scheduleCharts } from '../../../src/shared/panel/scheduleSeries';
import {
  acceptRequest,
  adviceAndSuggestions,
  editedRequest,
  formatWeight,
  suggestedProposal,
  suggestionCards,
  suggestionDiff,
  weightRequestId,
} from '../../../src/shared/panel/suggestions';
import type { EpochDatasetMetrics, EpochGradientSummary, MetricRecord, RunEvent, RunRecord } from '../../../src/shared/runs/format';
import { scheduleValue } from '../../../src/shared/schedules';
import { epochMetrics } from '../support/epochMetrics';

function runRecord(): RunRecord {
  const dataset = (name: string) => ({
    name,
    type: 'images' as const,
    head: 'digit',
    stem: 'image',
    task: 'classification' as const,
    train: { size: 100, classes: {} },
    validation: { size: 10, classes: {} },
    skipped: { count: 0, byClass: {}, items: [] },
    sampleShape: [8, 8, 1],
    fromCache: false,
  });
  return {
    formatVersion: 1,
    id: 'run-1',
    experimentName: 'digits',
    experimentPath: '/x.jointrain.yaml',
    status: 'running',
    pid: 1,
    seed: 1,
    epochs: { total: 4, completed: 0 },
    timings: { startedAt: '' },
    datasets: [dataset('clean'), dataset('noisy')],
    heads: {},
  };
}

const defaults = { mixing: { strategy: 'proportional' as const, temperature: 1 }, weights: { sampling: { clean: 1, noisy: 1 }, loss: { clean: 1, noisy: 1 } } };
const view = (over: Partial<Parameters<typeof emptyRunView>[1] & object> = {}): RunView => emptyRunView(runRecord(), { ...defaults, ...over });

const metrics = (over: Partial<EpochDatasetMetrics> = {}): EpochDatasetMetrics => epochMetrics({ samples: 24, valLoss: 0.9, ...over });
const summary: EpochGradientSummary = {
  names: ['clean', 'noisy'],
  steps: 5,
  meanCosine: [
    [1, -0.123],
    [-0.123, 1],
  ],
  conflictFraction: [
    [0, 0.4],
    [0.4, 0],
  ],
  normShare: [0.7, 0.3],
};
const diagnostics = (globalStep: number, shares: Array<number | null>): MetricRecord => ({
  kind: 'diagnostics',
  epoch: 1,
  step: globalStep,
  globalStep,
  time: '',
  names: ['clean', 'noisy'],
  norms: [1, 1],
  normShares: shares,
  cosine: [
    [1, 0.2],
    [0.2, 1],
  ],
  sharedParameters: 100,
});
const epoch = (
  n: number,
  over: Partial<Extract<MetricRecord, { kind: 'epoch' }>> = {},
  clean: Partial<EpochDatasetMetrics> = {},
  noisy: Partial<EpochDatasetMetrics> = {},
): MetricRecord => ({
  kind: 'epoch',
  epoch: n,
  steps: 10,
  time: '',
  durationMs: 1,
  samplesPerSecond: 1,
  totalLoss: 1,
  datasets: { clean: metrics(clean), noisy: metrics(noisy) },
  ...over,
});
const suggested = (suggestionId: string, loss: Record<string, number>, epochNo = 1): RunEvent => ({
  kind: 'weights-suggested',
  time: '',
  epoch: epochNo,
  suggestionId,
  balancer: 'dwa',
  loss,
  reason: 'noisy learns slower',
});
const delta = (seq: number, m: MetricRecord[], events: RunEvent[] = []): HostToPanelMessage => ({ type: 'delta', seq, metrics: m, events });
const started = (run: RunView): PanelState => reducePanel(initialPanelState, { type: 'snapshot', protocol: 2, seq: 1, run }).state;

test('each diagnostic step adds a point to every dataset’s gradient-share curve at its global step', () => {
  const run = foldRecords(view(), [diagnostics(25, [0.6, 0.4]), diagnostics(50, [0.55, null])], []);
  assert.deepEqual(run.curves.clean?.gradShare, [
    { x: 25, y: 0.6 },
    { x: 50, y: 0.55 },
  ]);
  assert.deepEqual(run.curves.noisy?.gradShare, [{ x: 25, y: 0.4 }], 'a dataset absent from a step has no point there');
  assert.equal(run.latestDiagnostics?.globalStep, 50);
  assert.deepEqual(datasetsWithCurve(run, 'gradShare'), ['clean', 'noisy']);
  assert.deepEqual(datasetsWithCurve(run, 'balancerWeight'), []);
});

test('an epoch record brings the balancer weights, the temperature and the conflict summary', () => {
  const run = foldRecords(view(), [epoch(1, { temperature: 2, gradients: summary }, { balancerWeight: 1.3, gradNormShare: 0.7 })], []);
  assert.deepEqual(
    run.curves.clean?.balancerWeight?.map((p) => [p.epoch, p.y]),
    [[1, 1.3]],
  );
  assert.equal(run.curves.noisy?.balancerWeight, undefined);
  assert.deepEqual(run.temperatures, [2]);
  assert.equal(run.latestGradients, summary);
  assert.deepEqual(balancingColumns(run), ['balancerWeight', 'gradNormShare']);
  assert.deepEqual(balancingColumns(foldRecords(view(), [epoch(1)], [])), [], 'a run without balancing has no extra columns');
});

test('a suggestion is listed when the trainer makes it and removed when it is decided', () => {
  let state = started(view({ balancer: { type: 'dwa', mode: 'suggest' } }));
  state = reducePanel(state, delta(2, [epoch(1)], [suggested('s-1', { clean: 0.8, noisy: 1.2 })])).state;
  assert.deepEqual(
    state.run?.suggestions.map((s) => [s.suggestionId, s.loss?.noisy, s.reason]),
    [['s-1', 1.2, 'noisy learns slower']],
  );
  state = reducePanel(state, delta(3, [], [suggested('s-1', { clean: 0.8, noisy: 1.2 })])).state;
  assert.equal(state.run?.suggestions.length, 1, 'the same suggestion read twice is listed once');
  state = reducePanel(state, delta(4, [], [{ kind: 'suggestion-decided', time: '', epoch: 1, suggestionId: 's-1', decision: 'rejected' }])).state;
  assert.deepEqual(state.run?.suggestions, []);
});

test('mean cosines fall in buckets narrow around zero, and unobserved pairs in their own', () => {
  assert.deepEqual([-0.9, -0.3, -0.1, 0, 0.05, 0.1, 0.3, null].map(cosineBucket), [
    'conflict-strong',
    'conflict-strong',
    'conflict',
    'neutral',
    'neutral',
    'aligned',
    'aligned-strong',
    'unobserved',
  ]);
  assert.equal(cosineBucket(Number.NaN), 'unobserved');
});

test('a heat-map cell says the mean cosine with a true minus sign and how often the pair conflicted', () => {
  assert.equal(conflictCellText(-0.123, 0.4), '−0.12 · 40% conflict');
  assert.equal(conflictCellText(0.5, null), '0.50');
  assert.equal(conflictCellText(-0.001, 0), '0.00 · 0% conflict');
  assert.equal(conflictCellText(null, 0.5), 'not observed');
});

test('the heat map reads the newest epoch’s summary and says how many diagnostic steps it covers', () => {
  const map = conflictMap({ latestGradients: summary });
  assert.ok(map);
  assert.match(map.caption, /5 diagnostic steps/);
  assert.deepEqual(
    map.rows.map((r) => r.cells.map((c) => [c.text, c.bucket])),
    [
      [
        ['—', 'self'],
        ['−0.12 · 40% conflict', 'conflict'],
      ],
      [
        ['−0.12 · 40% conflict', 'conflict'],
        ['—', 'self'],
      ],
    ],
  );
});

test('before an epoch with diagnostics ends, the heat map shows the newest diagnostic step', () => {
  const run = foldRecords(view(), [diagnostics(25, [0.6, 0.4])], []);
  const map = conflictMap(run);
  assert.match(map?.caption ?? '', /1 diagnostic step \(epoch 1, step 25\)/);
  assert.equal(map?.rows[0]?.cells[1]?.text, '0.20 · 0% conflict');
  assert.equal(conflictMap(view()), undefined, 'diagnostics off: no heat map');
});

test('a suggestion reads as each changed weight, current → proposed, sampling before loss, then augmentation; unchanged ones are left out', () => {
  const run = foldRecords(view(), [epoch(1, {}, { lossWeight: 2 })], []);
  const suggestion: Suggestion = { suggestionId: 's-1', epoch: 1, balancer: 'dwa', loss: { noisy: 1.23456, clean: 0.5 }, reason: 'r' };
  assert.deepEqual(
    suggestionDiff(run, suggestion).map((row) => row.text),
    ['clean loss weight: 2 → 0.5', 'noisy loss weight: 1 → 1.23'],
  );
  const mixed: Suggestion = {
    suggestionId: 's-2',
    epoch: 2,
    balancer: 'sampling',
    sampling: { noisy: 1.25, clean: 1 },
    loss: { clean: 2, noisy: 1 },
    augment: ['noisy'],
    reason: 'r',
  };
  assert.deepEqual(
    suggestionDiff(run, mixed).map((row) => [row.kind, row.text]),
    [
      ['sampling', 'noisy sampling weight: 1 → 1.25'],
      ['augment', 'noisy augmentation: off → on (auto preset)'],
    ],
  );
  assert.deepEqual(
    suggestionDiff(run, { ...mixed, sampling: { clean: 1, noisy: 1 }, augment: [] }).map((row) => row.text),
    ['no change from the weights now in force'],
  );
  assert.equal(formatWeight(1000000), '1000000');
  assert.equal(formatWeight(undefined), '–');
});

test('accepting a suggestion sends exactly the kinds it proposes (each a full set) and its augmentation, under the suggestion’s id', () => {
  const run = view();
  run.weights.sampling.noisy = 0.25;
  const suggestion: Suggestion = { suggestionId: 'dwa-e1', epoch: 1, balancer: 'dwa', loss: { noisy: 1.5 }, reason: 'r' };
  assert.deepEqual(acceptRequest(run, suggestion), { ok: true, requestId: 'dwa-e1', change: { loss: { clean: 1, noisy: 1.5 } } });
  assert.deepEqual(suggestedProposal(run, suggestion), { sampling: { clean: 1, noisy: 0.25 }, loss: { clean: 1, noisy: 1.5 } });

  const sampling: Suggestion = {
    suggestionId: 'suggestion-2',
    epoch: 2,
    balancer: 'sampling',
    sampling: { clean: 0.8, noisy: 0.25 },
    augment: ['noisy'],
    reason: 'r',
  };
  assert.deepEqual(acceptRequest(run, sampling), {
    ok: true,
    requestId: 'suggestion-2',
    change: { sampling: { clean: 0.8, noisy: 0.25 }, augment: ['noisy'] },
  });
  assert.deepEqual(
    suggestedProposal(run, sampling),
    { sampling: { clean: 0.8, noisy: 0.25 }, loss: { clean: 1, noisy: 1 } },
    'Edit: its sampling weights in the fields',
  );
  const augmentOnly: Suggestion = { suggestionId: 'suggestion-3', epoch: 3, balancer: 'diagnostics', augment: ['noisy'], reason: 'r' };
  assert.deepEqual(acceptRequest(run, augmentOnly), { ok: true, requestId: 'suggestion-3', change: { augment: ['noisy'] } });

  const unknown = acceptRequest(run, { ...augmentOnly, augment: ['ghost'] });
  assert.equal(unknown.ok, false);
  assert.match(unknown.ok ? '' : unknown.problem, /augmentation for unknown dataset 'ghost'/);
  delete run.weights.loss.clean;
  const refused = acceptRequest(run, suggestion);
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.problem, /clean: loss weight must be a number/);
});

test('weights edited from an open suggestion are sent with its augmentation; under a fresh id they carry none', () => {
  const run = foldRecords(
    view(),
    [],
    [
      {
        kind: 'weights-suggested',
        time: '',
        epoch: 2,
        suggestionId: 'suggestion-2',
        balancer: 'sampling',
        sampling: { clean: 0.8, noisy: 1 },
        augment: ['noisy'],
        reason: 'r',
      },
    ],
  );
  const proposal = { sampling: { clean: 0.7, noisy: 1 }, loss: { clean: 1, noisy: 1 } };
  assert.deepEqual(
    editedRequest(run, proposal, 'suggestion-2', [], () => 'panel-fresh'),
    {
      requestId: 'suggestion-2',
      change: { ...proposal, augment: ['noisy'] },
    },
  );
  assert.deepEqual(
    editedRequest(run, proposal, 'suggestion-2', ['suggestion-2'], () => 'panel-fresh'),
    { requestId: 'panel-fresh', change: proposal },
  );
});

test('a suggestion’s card: titled by its source and kinds, with its expected effect, and how Edit treats augmentation', () => {
  const run = foldRecords(
    view(),
    [],
    [
      {
        kind: 'weights-suggested',
        time: '',
        epoch: 3,
        suggestionId: 'suggestion-3',
        balancer: 'sampling',
        sampling: { clean: 0.8, noisy: 1 },
        augment: ['noisy'],
        dataset: 'noisy',
        reason: 'noisy is memorised',
        expected: 'the gap should narrow',
      },
    ],
  );
  const [card] = suggestionCards(run, []);
  assert.equal(card?.title, 'sampling balancer suggests sampling weights and augmentation for noisy after epoch 3');
  assert.equal(card?.expected, 'Expected: the gap should narrow');
  assert.equal(card?.editable, true);
  assert.match(
    card?.augmentHelp ?? '',
    /^Augmentation cannot be edited: Edit changes the weights only, and sending them still switches on augmentation for noisy/,
  );
  assert.equal(card?.rankText, '', 'one card: no rank to say');

  const only = foldRecords(
    view(),
    [],
    [{ kind: 'weights-suggested', time: '', epoch: 4, suggestionId: 'suggestion-4', balancer: 'diagnostics', augment: ['noisy'], reason: 'r' }],
  );
  const [augmentCard] = suggestionCards(only, []);
  assert.equal(augmentCard?.title, 'diagnostics suggest augmentation for noisy after epoch 4');
  assert.equal(augmentCard?.editable, false);
  assert.equal(augmentCard?.augmentHelp, 'Augmentation cannot be edited: accept or reject it.');
  assert.equal(augmentCard?.expected, '');
  assert.equal(
    suggestionCards(foldRecords(view(), [], [suggested('s-9', { clean: 2, noisy: 1 })]), [])[0]?.title,
    'dwa balancer suggests loss weights after epoch 1',
  );
});

test('suggestions are ranked as the Balance section ranks its warnings, and the advice points to the one that answers it', () => {
  // noisy is memorised (seen 30 times, 15× as often as clean) and clean takes 80% of the loss.
  const memorised = epoch(1, {}, { epochsSeen: 2, lossShare: 0.8 }, { epochsSeen: 30, lossShare: 0.2 });
  const run = foldRecords(
    view(),
    [memorised],
    [
      {
        kind: 'weights-suggested',
        time: '',
        epoch: 1,
        suggestionId: 'suggestion-a',
        balancer: 'dwa',
        loss: { clean: 0.8, noisy: 1.4 },
        reason: 'noisy learns slower',
      },
      {
        kind: 'weights-suggested',
        time: '',
        epoch: 1,
        suggestionId: 'suggestion-b',
        balancer: 'gradnorm',
        loss: { clean: 0.5, noisy: 1 },
        reason: 'clean dominates',
      },
      {
        kind: 'weights-suggested',
        time: '',
        epoch: 1,
        suggestionId: 'suggestion-c',
        balancer: 'diagnostics',
        augment: ['noisy'],
        reason: 'noisy is memorised',
      },
    ],
  );
  const cards = suggestionCards(run, []);
  assert.deepEqual(
    cards.map((c) => [c.suggestion.suggestionId, c.rank, c.rankText]),
    [
      ['suggestion-c', 1, '1 of 3: act on this one first'],
      ['suggestion-a', 2, '2 of 3'],
      ['suggestion-b', 3, '3 of 3'],
    ],
  );
  // Lowering clean's loss weight is what its own warning advises, but it gives the memorised noisy
  // a larger part of the loss: the memorised dataset's warning comes first, so both go last.
  assert.deepEqual(
    cards.map((c) => c.balanceNote),
    [
      'It answers the Balance section’s warning that noisy is likely memorised: it switches on noisy’s augmentation.',
      'Against the Balance section’s advice: noisy is likely memorised, and this raises noisy’s loss weight. It answers the Balance section’s warning that clean takes most of the weighted loss: it lowers clean’s loss weight.',
      'Against the Balance section’s advice: noisy is likely memorised, and this gives noisy a larger part of the loss weights. It answers the Balance section’s warning that clean takes most of the weighted loss: it lowers clean’s loss weight.',
    ],
  );
  const { advice, answeredBy, against } = adviceAndSuggestions(run, []);
  assert.equal(advice.recommended?.warning.dataset, 'noisy');
  assert.equal(answeredBy?.suggestion.suggestionId, 'suggestion-c');
  assert.deepEqual(
    against.map(({ card, what }) => [card.suggestion.suggestionId, what]),
    [
      ['suggestion-a', 'raises noisy’s loss weight'],
      ['suggestion-b', 'gives noisy a larger part of the loss weights'],
    ],
  );
  // Without the memorised dataset, lowering clean's loss weight answers the only warning and comes before a suggestion that touches none.
  const dominant = foldRecords(
    view(),
    [epoch(1, {}, { lossShare: 0.8 }, { lossShare: 0.2 })],
    [
      { kind: 'weights-suggested', time: '', epoch: 1, suggestionId: 'suggestion-d', balancer: 'sampling', sampling: { clean: 1, noisy: 1 }, reason: 'r' },
      { kind: 'weights-suggested', time: '', epoch: 1, suggestionId: 'suggestion-e', balancer: 'gradnorm', loss: { clean: 0.5, noisy: 1 }, reason: 'r' },
    ],
  );
  assert.deepEqual(
    suggestionCards(dominant, []).map((c) => [c.suggestion.suggestionId, c.balanceNote]),
    [
      ['suggestion-e', 'It answers the Balance section’s warning that clean takes most of the weighted loss: it lowers clean’s loss weight.'],
      ['suggestion-d', ''],
    ],
  );
  assert.equal(adviceAndSuggestions(dominant, []).answeredBy?.suggestion.suggestionId, 'suggestion-e');
  assert.equal(adviceAndSuggestions(run, ['suggestion-c']).answeredBy, undefined, 'a suggestion this panel rejected is not pointed to');
  assert.deepEqual(
    suggestionCards(foldRecords(view(), [], [suggested('s-1', { clean: 2 }), suggested('s-2', { noisy: 2 }, 2)]), []).map((c) => c.suggestion.suggestionId),
    ['s-1', 's-2'],
    'with no warnings they keep the order they came in',
  );
});

test('the sampling balancer’s move and augmentation switched on are kept in the view; an accepted augmentation-only suggestion is settled by its switch', () => {
  let state = started(view({ balancer: { type: 'sampling', mode: 'auto' } }));
  state = reducePanel(
    state,
    delta(
      2,
      [epoch(1)],
      [
        { kind: 'sampling-balanced', time: '', epoch: 1, multipliers: { clean: 1, noisy: 1.25 }, shares: { clean: 0.44, noisy: 0.56 }, reason: 'noisy lags' },
        {
          kind: 'weights-suggested',
          time: '',
          epoch: 1,
          suggestionId: 'suggestion-1',
          balancer: 'diagnostics',
          augment: ['noisy'],
          dataset: 'noisy',
          reason: 'r',
          expected: 'e',
        },
      ],
    ),
  ).state;
  assert.deepEqual(state.run?.samplingBalance, {
    epoch: 1,
    multipliers: { clean: 1, noisy: 1.25 },
    shares: { clean: 0.44, noisy: 0.56 },
    reason: 'noisy lags',
  });
  assert.deepEqual(state.run?.suggestions, [
    { suggestionId: 'suggestion-1', epoch: 1, balancer: 'diagnostics', augment: ['noisy'], dataset: 'noisy', reason: 'r', expected: 'e' },
  ]);
  state = withSentRequest(state, { requestId: 'suggestion-1', untilEpoch: 2, sampling: {}, loss: {} });
  state = reducePanel(
    state,
    delta(
      3,
      [],
      [
        { kind: 'suggestion-decided', time: '', epoch: 1, suggestionId: 'suggestion-1', decision: 'accepted', augment: ['noisy'] },
        { kind: 'augmentation-on', time: '', epoch: 2, dataset: 'noisy', augment: { rotation: 10 }, reason: 'asked for', requestId: 'suggestion-1' },
      ],
    ),
  ).state;
  assert.deepEqual(state.run?.augmentation, { noisy: { fromEpoch: 2, reason: 'asked for' } });
  assert.deepEqual(state.run?.pending, []);
  assert.deepEqual(state.run?.settled, ['suggestion-1']);
  assert.match(balancerSummary(state.run ?? {}) ?? '', /adaptive sampling .*moving the sampling shares itself/);
});

test('a suggestion shows as answered once this panel accepted or rejected it, until the trainer decides', () => {
  let state = started(view());
  state = reducePanel(state, delta(2, [], [suggested('s-1', { clean: 2 }), suggested('s-2', { noisy: 2 }, 2)])).state;
  state = withSentRequest(state, { requestId: 's-1', untilEpoch: 3, sampling: { clean: 1, noisy: 1 }, loss: { clean: 2, noisy: 1 } });
  state = withRejectionSent(state, 's-2');
  const run = state.run as RunView;
  assert.deepEqual(
    suggestionCards(run, state.rejectionsSent).map((c) => [c.suggestion.suggestionId, c.status]),
    [
      ['s-1', 'accepting'],
      ['s-2', 'rejecting'],
    ],
  );
  // The trainer applies the accepted weights before its decision is read: still answered.
  state = reducePanel(state, delta(3, [], [{ kind: 'weights-applied', time: '', epoch: 3, sampling: {}, loss: { clean: 2 }, requestId: 's-1' }])).state;
  assert.equal(suggestionCards(state.run as RunView, state.rejectionsSent)[0]?.status, 'accepting');
  state = reducePanel(state, delta(4, [], [{ kind: 'suggestion-decided', time: '', epoch: 2, suggestionId: 's-2', decision: 'rejected' }])).state;
  assert.deepEqual(withRejectionSent(state, 's-1').rejectionsSent, ['s-1'], 'rejections of suggestions no longer listed are forgotten');
});

test('weights edited from a suggestion answer it while it is open; otherwise they get a fresh id', () => {
  const run = foldRecords(view(), [], [suggested('s-1', { clean: 2 })]);
  const fresh = () => 'panel-fresh';
  assert.equal(weightRequestId(run, 's-1', [], fresh), 's-1');
  assert.equal(weightRequestId(run, undefined, [], fresh), 'panel-fresh');
  assert.equal(weightRequestId(run, 's-1', ['s-1'], fresh), 'panel-fresh', 'already rejected');
  assert.equal(weightRequestId(run, 's-gone', [], fresh), 'panel-fresh', 'decided meanwhile');
});

test('scheduled weights are drawn as planned by scheduleValue over every epoch, beside the values in force', () => {
  const loss = { type: 'linear' as const, from: 1, to: 0.25, start_epoch: 1, end_epoch: 4 };
  const temperature = { type: 'cosine' as const, from: 3, to: 1, start_epoch: 2, end_epoch: 4 };
  const run = foldRecords(
    view({ schedules: { sampling: {}, loss: { noisy: loss }, temperature } }),
    [epoch(1, { temperature: 3 }), epoch(2, { temperature: 2.5 }, {}, { lossWeight: 0.75 })],
    [],
  );
  const charts = scheduleCharts(run);
  assert.deepEqual(
    charts.map((c) => c.key),
    ['loss', 'temperature'],
  );
  const [lossChart, temperatureChart] = charts;
  assert.deepEqual(lossChart?.epochs, [1, 2, 3, 4]);
  assert.deepEqual(
    lossChart?.lines.map((l) => l.label),
    ['noisy'],
  );
  assert.deepEqual(
    lossChart?.lines[0]?.planned,
    [1, 2, 3, 4].map((e) => scheduleValue(loss, e)),
  );
  assert.deepEqual(lossChart?.lines[0]?.actual, [1, 0.75, null, null]);
  assert.deepEqual(
    temperatureChart?.lines[0]?.planned,
    [1, 2, 3, 4].map((e) => scheduleValue(temperature, e)),
  );
  assert.deepEqual(temperatureChart?.lines[0]?.actual, [3, 2.5, null, null]);
  assert.deepEqual(scheduleCharts(view()), [], 'no schedules: no chart');
  assert.deepEqual(scheduleCharts(view({ schedules: { sampling: {}, loss: {} } })), []);
});

test('the balancer is described for the user, and says when its proposals wait for a decision', () => {
  assert.equal(balancerSummary({}), undefined);
  assert.match(balancerSummary({ balancer: { type: 'dwa', mode: 'suggest' } }) ?? '', /suggesting/);
  assert.match(balancerSummary({ balancer: { type: 'gradnorm', mode: 'auto' } }) ?? '', /adjusting the loss weights itself/);
  assert.match(balancerSummary({ balancer: { type: 'static', mode: 'auto' } }) ?? '', /static/);
});

test('a rejection from the panel is validated strictly and becomes the trainer’s reject-suggestion command', () => {
  const parsed = parsePanelMessage({ type: 'reject-suggestion', runId: 'run-1', suggestionId: 'dwa-e3' });
  assert.ok(parsed.ok);
  if (parsed.message.type !== 'reject-suggestion') throw new Error(parsed.message.type);
  assert.deepEqual(trainerCommandFor(parsed.message, []), { ok: true, command: { type: 'reject-suggestion', suggestionId: 'dwa-e3' } });
  for (const refused of [
    { type: 'reject-suggestion', runId: 'run-1', suggestionId: 'dwa-e3', extra: 1 },
    { type: 'reject-suggestion', runId: 'run-1', suggestionId: '<img src=x>' },
    { type: 'reject-suggestion', runId: 'run-1', suggestionId: '' },
    { type: 'reject-suggestion', runId: 'run-1', suggestionId: 'x'.repeat(101) },
    { type: 'reject-suggestion', runId: '../x', suggestionId: 'dwa-e3' },
  ]) {
    assert.equal(parsePanelMessage(refused).ok, false, JSON.stringify(refused));
  }
});

test('accepting sends set-weights under the suggestion’s id; weights the trainer would refuse are not sent', () => {
  const datasets = [
    { name: 'clean', trainSize: 100 },
    { name: 'noisy', trainSize: 100 },
  ];
  const message = { type: 'set-weights' as const, runId: 'run-1', requestId: 'dwa-e3', sampling: { clean: 1, noisy: 1 }, loss: { clean: 0.5, noisy: 2 } };
  assert.ok(parsePanelMessage(message).ok);
  assert.deepEqual(trainerCommandFor(message, datasets), {
    ok: true,
    command: { type: 'set-weights', requestId: 'dwa-e3', sampling: message.sampling, loss: message.loss },
  });
  const incomplete = trainerCommandFor({ ...message, loss: { clean: 1 } }, datasets);
  assert.equal(incomplete.ok, false);

  const augmenting = { type: 'set-weights' as const, runId: 'run-1', requestId: 'suggestion-3', sampling: { clean: 0.8, noisy: 1 }, augment: ['noisy'] };
  assert.ok(parsePanelMessage(augmenting).ok, 'a suggestion that leaves the loss weights alone sends none');
  assert.deepEqual(trainerCommandFor(augmenting, datasets), {
    ok: true,
    command: { type: 'set-weights', requestId: 'suggestion-3', sampling: { clean: 0.8, noisy: 1 }, augment: ['noisy'] },
  });
  assert.deepEqual(trainerCommandFor({ type: 'set-weights', runId: 'run-1', requestId: 'suggestion-4', augment: ['noisy'] }, datasets), {
    ok: true,
    command: { type: 'set-weights', requestId: 'suggestion-4', augment: ['noisy'] },
  });
  const refusals: Array<[PanelControlMessage, RegExp]> = [
    [{ ...augmenting, augment: ['ghost'] }, /augmentation for unknown dataset 'ghost'/],
    [{ ...augmenting, augment: ['constructor'] }, /augmentation for unknown dataset 'constructor'/],
    [{ ...augmenting, augment: ['noisy', 'noisy'] }, /augmentation names a dataset twice/],
    [{ type: 'set-weights', runId: 'run-1', requestId: 'panel-1' }, /names no weights and no augmentation/],
  ];
  for (const [refused, problem] of refusals) {
    const result = trainerCommandFor(refused, datasets);
    assert.match(result.ok ? '' : result.problem, problem, JSON.stringify(refused));
  }
  assert.equal(parsePanelMessage({ ...augmenting, augment: [''] }).ok, false, 'an empty name');
  assert.equal(parsePanelMessage({ ...augmenting, augment: 'noisy' }).ok, false, 'not a list');
  assert.deepEqual(trainerCommandFor({ type: 'pause', runId: 'run-1' }, datasets), { ok: true, command: { type: 'pause' } });
});
