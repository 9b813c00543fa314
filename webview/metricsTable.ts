/** The numbers behind the charts, per epoch and dataset, for keyboard and screen-reader users. */
import { balancingColumns, type BalancingColumn } from '../src/shared/panel/balancing';
import type { RunView } from '../src/shared/panel/runView';
import { el, number, percent, table } from './dom';

/** Columns only runs with a balancer or gradient diagnostics have. */
const BALANCING: Record<BalancingColumn, { header: string; format: (value: number | undefined) => string }> = {
  balancerWeight: { header: 'Balancer weight', format: (value) => number(value, 3) },
  gradNormShare: { header: 'Gradient-norm share', format: percent },
};

export function renderMetricsTable(view: RunView): HTMLElement {
  const extra = balancingColumns(view);
  const withRate = view.learningRates.length > 0;
  const rows = view.epochHistory.flatMap(({ epoch, datasets }) =>
    Object.entries(datasets).map(([name, m]) => [
      `${epoch} · ${name}`,
      number(m.trainLoss),
      number(m.trainAccuracy),
      number(m.valLoss),
      m.valMae !== undefined ? number(m.valMae) : number(m.valAccuracy),
      percent(m.configuredShare),
      percent(m.realizedShare),
      percent(m.lossShare),
      number(m.epochsSeen, 3),
      `${number(m.samplingWeight, 3)} / ${number(m.lossWeight, 3)}`,
      ...(withRate ? [number(view.learningRates[epoch - 1], 3)] : []),
      ...extra.map((column) => BALANCING[column].format(m[column])),
    ]),
  );
  return el('section', { className: 'metrics-table', attrs: { 'aria-label': 'Metrics table' } }, [
    table(
      [
        'Epoch · dataset',
        'Train loss',
        'Train accuracy',
        'Validation loss',
        'Validation accuracy / MAE',
        'Configured share',
        'Realized share',
        'Loss share',
        'Epochs seen',
        'Weights (sampling / loss)',
        ...(withRate ? ['Learning rate'] : []),
        ...extra.map((column) => BALANCING[column].header),
      ],
      rows,
      'Per-epoch metrics',
    ),
  ]);
}
