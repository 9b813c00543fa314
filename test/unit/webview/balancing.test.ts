/** webview/balancing.ts: the balancing section — the balancer, gradient shares and balancer weights, the conflict heat map, the schedules. */
import { setThemeVariables, settle } from './support/dom';
import { plotIn, resolved, seriesLabels } from './support/uplot';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldRecords, type ExperimentDefaults } from '../../../src/shared/panel/runView';
import type { EpochGradientSummary, MetricRecord } from '../../../src/shared/runs/format';
import { BalancingView } from '../../../webview/balancing';
import { DEFAULTS, epochRecord, runView, stepRecord } from './support/runs';

/** A diagnostic step at `globalStep` where digits has `share` of the gradient norm and the two gradients have cosine `cosine`. */
const diagnostics = (epoch: number, step: number, share: number, cosine: number): MetricRecord => ({
  kind: 'diagnostics',
  epoch,
  step,
  globalStep: (epoch - 1) * 3 + step,
  time: '2026-11-29T18:43:00.000Z',
  names: ['digits', 'prices'],
  norms: [share, 1 - share],
  normShares: [share, 1 - share],
  cosine: [
    [1, cosine],
    [cosine, 1],
  ],
  sharedParameters: 100,
});

const summary: EpochGradientSummary = {
  names: ['digits', 'prices'],
  steps: 2,
  meanCosine: [
    [1, -0.4],
    [-0.4, 1],
  ],
  conflictFraction: [
    [0, 0.6],
    [0.6, 0],
  ],
  normShare: [0.65, 0.35],
};

/** Two epochs with a diagnostic step in each, balancer weights at each epoch end, and the gradient summary of epoch 2. */
function balancedRecords(): MetricRecord[] {
  return [
    stepRecord(1, 1),
    stepRecord(1, 2),
    diagnostics(1, 2, 0.6, 0.1),
    stepRecord(1, 3),
    epochRecord(1, { digits: { balancerWeight: 1.2 }, prices: { balancerWeight: 0.8 } }),
    stepRecord(2, 1),
    stepRecord(2, 2),
    diagnostics(2, 2, 0.7, -0.5),
    stepRecord(2, 3),
    epochRecord(2, { digits: { balancerWeight: 1.1 }, prices: { balancerWeight: 0.9 } }, { gradients: summary }),
  ];
}

const withBalancer = (balancer: ExperimentDefaults['balancer']): ExperimentDefaults => ({ ...DEFAULTS, balancer });
const figures = (view: BalancingView, group: string): HTMLElement[] => [...view.element.querySelectorAll<HTMLElement>(`.${group} figure`)];
const captions = (view: BalancingView, group: string): string[] => figures(view, group).map((f) => f.querySelector('figcaption')?.textContent ?? '');
const heatMap = (view: BalancingView): string[][] =>
  [...view.element.querySelectorAll('table.heat-map tr')].map((row) =>
    [...row.children].map((cell) => `${cell.className ? `${cell.className}:` : ''}${cell.textContent}`),
  );

test('a run without diagnostics, schedules or an adaptive balancer has no balancing section', () => {
  for (const defaults of [DEFAULTS, withBalancer({ type: 'static', mode: 'auto' })]) {
    const view = new BalancingView();
    view.render(runView({ defaults }), 'step');
    assert.equal(view.element.hidden, true);
  }
});

test('an adaptive balancer shows the section with a sentence about it, even before it has reported anything', () => {
  const view = new BalancingView();
  view.render(runView({ epochs: 0, defaults: withBalancer({ type: 'gradnorm', mode: 'suggest' }) }), 'step');
  assert.equal(view.element.hidden, false);
  assert.equal(view.element.getAttribute('aria-label'), 'Balancing');
  assert.equal(view.element.querySelector('p.balancer')?.textContent, 'Balancer: GradNorm, suggesting: its proposals wait for your decision.');
  assert.deepEqual(captions(view, 'gradient-plots'), []);
  assert.equal(view.element.querySelector('.conflict-map')?.children.length, 0);
  assert.equal(view.element.querySelector<HTMLElement>('h3')?.hidden, true, 'no schedules: no schedules heading');

  view.render(runView({ epochs: 0, defaults: withBalancer({ type: 'uncertainty', mode: 'auto' }) }), 'step');
  assert.equal(view.element.querySelector('p.balancer')?.textContent, 'Balancer: uncertainty weighting, adjusting the loss weights itself.');
});

test('each dataset’s share of the gradient norm (on 0..1) and its balancer weight, over steps', async () => {
  const view = new BalancingView();
  view.render(runView({ epochs: 0, metrics: balancedRecords(), defaults: withBalancer({ type: 'dwa', mode: 'auto' }) }), 'step');
  await settle();
  assert.equal(view.element.querySelector('p.balancer')?.textContent, 'Balancer: dynamic weight average (dwa), adjusting the loss weights itself.');
  assert.deepEqual(captions(view, 'gradient-plots'), ['Share of the gradient norm on the shared layers', 'Balancer weight (multiplies the loss weight)']);
  const [sharesFigure, weightsFigure] = figures(view, 'gradient-plots');
  const shares = plotIn(sharesFigure as HTMLElement);
  assert.deepEqual(seriesLabels(shares), ['step', 'digits', 'prices']);
  assert.deepEqual(shares.data, [
    [2, 5],
    [0.6, 0.7],
    [0.4, 0.30000000000000004],
  ]);
  assert.deepEqual([shares.scales.y?.min, shares.scales.y?.max], [0, 1]);
  assert.deepEqual(
    shares.series.slice(1).map((s) => s.dash),
    [[], [8, 4]],
    'datasets differ by dash as well as colour',
  );
  // Balancer weights are reported at each epoch's end: steps 3 and 6.
  assert.deepEqual(plotIn(weightsFigure as HTMLElement).data, [
    [3, 6],
    [1.2, 1.1],
    [0.8, 0.9],
  ]);
});

test('on the epoch axis, a diagnostic step sits at its place within its epoch and balancer weights at their epoch', async () => {
  const view = new BalancingView();
  view.render(runView({ epochs: 0, metrics: balancedRecords() }), 'epoch');
  await settle();
  const [sharesFigure, weightsFigure] = figures(view, 'gradient-plots');
  const shares = plotIn(sharesFigure as HTMLElement);
  assert.equal(seriesLabels(shares)[0], 'epoch');
  assert.deepEqual(shares.data[0], [2 / 3, 1 + 2 / 3]);
  assert.deepEqual(plotIn(weightsFigure as HTMLElement).data[0], [1, 2]);
});

test('the conflict heat map: mean cosine and how often each pair conflicted, bucketed for colour, with a caption and a hint', () => {
  const view = new BalancingView();
  view.render(runView({ epochs: 0, metrics: balancedRecords() }), 'step');
  const map = view.element.querySelector('.conflict-map');
  assert.equal(map?.querySelector('h3')?.textContent, 'Gradient conflict');
  assert.equal(map?.querySelector('caption')?.textContent, 'Gradient agreement: mean cosine over the 2 diagnostic steps of the newest epoch with diagnostics');
  assert.equal(map?.querySelector('.table-scroll')?.getAttribute('role'), 'region');
  assert.deepEqual(heatMap(view), [
    ['Dataset', 'digits', 'prices'],
    ['digits', 'heat self:—', 'heat conflict-strong:−0.40 · 60% conflict'],
    ['prices', 'heat conflict-strong:−0.40 · 60% conflict', 'heat self:—'],
  ]);
  assert.match(map?.querySelector('p.hint')?.textContent ?? '', /^Cosine of two datasets’ gradients on the shared layers/);
  assert.equal(map?.querySelector('thead th')?.getAttribute('scope'), 'col');
  assert.equal(map?.querySelector('tbody th')?.getAttribute('scope'), 'row');
});

test('before an epoch with diagnostics ends, the heat map shows the newest diagnostic step; it is rebuilt only when that changes', () => {
  const view = new BalancingView();
  const run = runView({ epochs: 0, metrics: balancedRecords().slice(0, 3) });
  view.render(run, 'step');
  assert.equal(
    view.element.querySelector('.conflict-map caption')?.textContent,
    "Gradient agreement: cosine at 1 diagnostic step (epoch 1, step 2); the epoch's mean follows when it ends",
  );
  assert.deepEqual(heatMap(view)[1], ['digits', 'heat self:—', 'heat aligned:0.10 · 0% conflict']);
  const table = view.element.querySelector('table.heat-map');
  view.render(run, 'step');
  assert.equal(view.element.querySelector('table.heat-map'), table, 'the same diagnostics: the same table');

  foldRecords(run, [diagnostics(1, 3, 0.5, -0.1)], []);
  view.render(run, 'step');
  assert.notEqual(view.element.querySelector('table.heat-map'), table);
  assert.deepEqual(heatMap(view)[1], ['digits', 'heat self:—', 'heat conflict:−0.10 · 100% conflict']);
});

test('schedules: the planned value of each scheduled weight and of the temperature per epoch, beside the value in force', async () => {
  const defaults: ExperimentDefaults = {
    ...DEFAULTS,
    schedules: {
      sampling: { digits: { type: 'linear', from: 1, to: 3, start_epoch: 1, end_epoch: 3 } },
      loss: {
        prices: { type: 'step', from: 1, to: 0.5, start_epoch: 1, end_epoch: 2 },
        digits: { type: 'step', from: 1, to: 2, start_epoch: 1, end_epoch: 3 },
      },
      temperature: { type: 'cosine', from: 1, to: 3, start_epoch: 1, end_epoch: 3 },
    },
  };
  setThemeVariables({ '--vscode-charts-blue': '#0000ff', '--vscode-charts-red': '#ff0000', '--vscode-editor-background': '#111111' });
  const records = [stepRecord(1, 1), stepRecord(1, 2), stepRecord(1, 3), epochRecord(1, {}, { temperature: 1.5 })];
  const view = new BalancingView();
  view.render(runView({ epochs: 0, metrics: records, defaults }), 'step');
  await settle();
  assert.equal(view.element.hidden, false);
  assert.equal(view.element.querySelector<HTMLElement>(':scope > h3')?.hidden, false, 'the schedules heading');
  assert.deepEqual(captions(view, 'schedule-plots'), ['Sampling weight schedules', 'Loss weight schedules', 'Mixing temperature schedule']);
  const [sampling, loss, temperature] = figures(view, 'schedule-plots').map((f) => plotIn(f));
  assert.ok(sampling && loss && temperature);
  assert.deepEqual(seriesLabels(sampling), ['epoch', 'digits, planned', 'digits, in force']);
  // Linear from 1 at epoch 1 to 3 at epoch 3; epoch 1 trained with sampling weight 1, the others have not run.
  assert.deepEqual(sampling.data, [
    [1, 2, 3, 4],
    [1, 2, 3, 3],
    [1, null, null, null],
  ]);
  // In the run's dataset order, whatever the experiment's order.
  assert.deepEqual(seriesLabels(loss), ['epoch', 'digits, planned', 'digits, in force', 'prices, planned', 'prices, in force']);
  assert.deepEqual(loss.data, [
    [1, 2, 3, 4],
    [1, 1, 2, 2],
    [1, null, null, null],
    [1, 0.5, 0.5, 0.5],
    [1, null, null, null],
  ]);
  assert.deepEqual(seriesLabels(temperature), ['epoch', 'temperature, planned', 'temperature, in force']);
  assert.deepEqual(temperature.data, [
    [1, 2, 3, 4],
    [1, 2, 3, 3],
    [1.5, null, null, null],
  ]);
  // Planned values are a line in the dataset's colour, dashed from the second line on; the values in force are markers alone,
  // hollow (the background inside) on every second line, so neighbours differ without colour.
  assert.notEqual(loss.series[1]?.paths?.(loss, 1, 0, 3), null);
  assert.equal(loss.series[2]?.paths?.(loss, 2, 0, 3), null);
  assert.deepEqual(
    loss.series.slice(1).map((s, i) => [resolved(s.stroke, loss, i + 1), s.dash]),
    [
      ['#0000ff', []],
      ['#0000ff', []],
      ['#ff0000', [8, 4]],
      ['#ff0000', []],
    ],
  );
  assert.deepEqual([resolved(loss.series[2]?.points?.fill, loss, 2), resolved(loss.series[4]?.points?.fill, loss, 4)], ['#0000ff', '#111111']);
  assert.equal(resolved(temperature.series[1]?.stroke, temperature, 1), '#0000ff', 'the temperature is no dataset: the first colour');
});

test('a learning-rate schedule is drawn as planned beside the rate in force, its ticks with significant digits (0.0005, not 0.001)', async () => {
  const defaults: ExperimentDefaults = {
    ...DEFAULTS,
    schedules: { sampling: {}, loss: {}, learningRate: { base: 0.001, schedule: { type: 'step', every_epochs: 2, factor: 0.5 } } },
  };
  const records = [epochRecord(1, {}, { learningRate: 0.001 }), epochRecord(2, {}, { learningRate: 0.001 }), epochRecord(3, {}, { learningRate: 0.0005 })];
  const view = new BalancingView();
  view.render(runView({ epochs: 0, metrics: records, defaults }), 'epoch');
  await settle();
  assert.deepEqual(captions(view, 'schedule-plots'), ['Learning rate']);
  const [rate] = figures(view, 'schedule-plots').map((f) => plotIn(f));
  assert.ok(rate);
  assert.deepEqual(seriesLabels(rate), ['epoch', 'learning rate, planned', 'learning rate, in force']);
  assert.deepEqual(rate.data, [
    [1, 2, 3, 4],
    [0.001, 0.001, 0.0005, 0.0005],
    [0.001, 0.001, 0.0005, null],
  ]);
  const ticks = rate.axes[1]?.values as (plot: unknown, splits: number[]) => string[];
  assert.deepEqual(ticks(rate, [0.0005, 0.00075, 0.001]), ['0.0005', '0.00075', '0.001']);
});
