/** webview/metricsTable.ts: the per-epoch numbers as a table, one row per epoch and dataset. */
import './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMetricsTable } from '../../../webview/metricsTable';
import { epochRecord, runView } from './support/runs';

const cells = (section: HTMLElement): string[][] =>
  [...section.querySelectorAll('tbody tr')].map((row) => [...row.children].map((cell) => cell.textContent ?? ''));
const headers = (section: HTMLElement): string[] => [...section.querySelectorAll('thead th')].map((th) => th.textContent ?? '');

const BASE_HEADERS = [
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
];

test('one row per epoch and dataset, with losses to 4 digits, shares in percent, and a dash where a dataset has no value', () => {
  const section = renderMetricsTable(runView({ epochs: 2 }));
  assert.equal(section.tagName, 'SECTION');
  assert.equal(section.className, 'metrics-table');
  assert.equal(section.getAttribute('aria-label'), 'Metrics table');
  assert.equal(section.querySelector('caption')?.textContent, 'Per-epoch metrics');
  assert.deepEqual(headers(section), BASE_HEADERS);
  assert.deepEqual(cells(section), [
    // Epoch 1 ends at step 3: digits' train loss 2 - 0.3, prices' 4 - 0.6; regression shows its MAE where classification shows accuracy.
    ['1 · digits', '1.700', '0.5500', '1.400', '0.7000', '75.0%', '74.0%', '40.0%', '0.800', '1.00 / 1.00'],
    ['1 · prices', '3.400', '–', '2.000', '2.500', '25.0%', '26.0%', '60.0%', '0.600', '1.00 / 1.00'],
    ['2 · digits', '1.400', '0.5500', '1.300', '0.8000', '75.0%', '74.0%', '40.0%', '1.60', '1.00 / 1.00'],
    ['2 · prices', '2.800', '–', '2.000', '2.000', '25.0%', '26.0%', '60.0%', '1.20', '1.00 / 1.00'],
  ]);
  assert.equal(section.querySelector('tbody tr th')?.getAttribute('scope'), 'row');
});

test('a run with no finished epoch has the headers and no rows', () => {
  const section = renderMetricsTable(runView({ epochs: 0 }));
  assert.deepEqual(headers(section), BASE_HEADERS);
  assert.equal(section.querySelectorAll('tbody tr').length, 0);
});

test('balancer weights and gradient-norm shares add their columns once any epoch reports them', () => {
  const view = runView({
    epochs: 1,
    metrics: [
      epochRecord(2, {
        digits: { balancerWeight: 1.23456, gradNormShare: 0.625, samplingWeight: 2, lossWeight: 0.5 },
        prices: { gradNormShare: 0.375 },
      }),
    ],
  });
  const section = renderMetricsTable(view);
  assert.deepEqual(headers(section), [...BASE_HEADERS, 'Balancer weight', 'Gradient-norm share']);
  const rows = cells(section);
  assert.deepEqual(rows[0]?.slice(-2), ['–', '–'], 'epoch 1 reported neither');
  assert.deepEqual(rows[2]?.slice(-3), ['2.00 / 0.500', '1.23', '62.5%']);
  assert.deepEqual(rows[3]?.slice(-2), ['–', '37.5%']);
});

test('only the columns that some epoch reports are added', () => {
  const view = runView({ epochs: 1, metrics: [epochRecord(2, { prices: { gradNormShare: 0.5 } })] });
  assert.deepEqual(headers(renderMetricsTable(view)).slice(BASE_HEADERS.length), ['Gradient-norm share']);
});

test('epochs that record their learning rate add a column with it, the same on each dataset’s row of an epoch', () => {
  const section = renderMetricsTable(
    runView({ epochs: 0, metrics: [epochRecord(1, {}, { learningRate: 0.01 }), epochRecord(2, {}, { learningRate: 0.005 })] }),
  );
  assert.deepEqual(headers(section), [...BASE_HEADERS, 'Learning rate']);
  assert.deepEqual(
    cells(section).map((row) => [row[0], row.at(-1)]),
    [
      ['1 · digits', '0.0100'],
      ['1 · prices', '0.0100'],
      ['2 · digits', '0.00500'],
      ['2 · prices', '0.00500'],
    ],
  );
});
