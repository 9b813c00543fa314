/** webview/diagnostics.ts: the balance section — sizes and shares per dataset, the advice, and class lists that stay open. */
import { window } from './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderDiagnostics } from '../../../webview/diagnostics';
import { at, datasetReport, epochMetrics, epochRecord, runRecord, runView } from './support/runs';

const rows = (section: HTMLElement, table = 0): string[][] =>
  [...(section.querySelectorAll('table')[table]?.querySelectorAll('tbody tr') ?? [])].map((row) => [...row.children].map((cell) => cell.textContent ?? ''));

test('a row per dataset with its sizes, configured / realized share, loss share and epochs seen, captioned with the epoch', () => {
  const section = renderDiagnostics(runView({ epochs: 2 }), new Set());
  assert.equal(section.className, 'diagnostics');
  assert.equal(section.getAttribute('aria-label'), 'Balance diagnostics');
  assert.equal(section.querySelector('h2')?.textContent, 'Balance');
  const table = section.querySelector('table');
  assert.equal(table?.querySelector('caption')?.textContent, 'Epoch 2');
  assert.deepEqual(
    [...(table?.querySelectorAll('thead th') ?? [])].map((th) => th.textContent),
    ['Dataset', 'Samples (train / validation)', 'Share (configured / realized)', 'Loss share', 'Epochs seen'],
  );
  assert.deepEqual(rows(section), [
    ['digits', '300 / 60', '75.0% / 74.0%', '40.0%', '1.60'],
    ['prices', '100 / 20', '25.0% / 26.0%', '60.0%', '1.20'],
  ]);
  assert.equal(section.querySelector('.advice'), null, 'nothing to advise: no dataset is memorised or dominates the loss');
});

test('before the first epoch the shares are dashes', () => {
  const section = renderDiagnostics(runView({ epochs: 0 }), new Set());
  assert.equal(section.querySelector('caption')?.textContent, 'Epoch 0');
  assert.deepEqual(rows(section)[0], ['digits', '300 / 60', '– / –', '–', '–']);
});

test('each dataset’s classes in a details element, with where its data was read from when known', () => {
  const section = renderDiagnostics(runView(), new Set());
  const details = [...section.querySelectorAll('details')];
  assert.deepEqual(
    details.map((d) => d.querySelector('summary')?.textContent),
    ['digits: 2 classes', 'prices: 0 classes'],
  );
  assert.equal(details[0]?.querySelector('p.source')?.textContent, 'Read from /data/digits');
  assert.equal(details[1]?.querySelector('p.source'), null);
  assert.equal(details[0]?.querySelector('caption')?.textContent, 'Classes of digits');
  assert.deepEqual(rows(section, 1), [
    ['zero', '180'],
    ['one', '120'],
  ]);
});

test('class lists the user opened stay open when the section is rebuilt, and opening or closing one is remembered', () => {
  const open = new Set(['digits']);
  const section = renderDiagnostics(runView(), open);
  const [digits, prices] = [...section.querySelectorAll('details')];
  assert.ok(digits && prices);
  assert.equal(digits.open, true);
  assert.equal(prices.open, false);

  prices.open = true;
  prices.dispatchEvent(new window.Event('toggle'));
  digits.open = false;
  digits.dispatchEvent(new window.Event('toggle'));
  assert.deepEqual([...open], ['prices']);

  const rebuilt = renderDiagnostics(runView(), open);
  assert.deepEqual(
    [...rebuilt.querySelectorAll('details')].map((d) => d.open),
    [false, true],
  );
});

test('a memorised dataset is recommended first, with why, and a dominant loss share follows it', () => {
  const view = runView({ epochs: 1, metrics: [epochRecord(2, { digits: { epochsSeen: 24, lossShare: 0.2 }, prices: { epochsSeen: 2, lossShare: 0.8 } })] });
  const section = renderDiagnostics(view, new Set());
  const advice = section.querySelector('.advice');
  assert.ok(advice);
  assert.equal(advice.getAttribute('role'), 'alert');
  assert.equal(advice.querySelector('.action')?.textContent, 'Recommended: Lower digits’s sampling weight (or add data to it) first.');
  assert.equal(
    advice.querySelector('.warning-text')?.textContent,
    '⚠ digits (300 training samples) has been seen 24.0 times, 12.0× as often as the least-seen dataset: it is likely memorised. Lower its sampling weight or add data.',
  );
  assert.match(
    advice.querySelector('.why')?.textContent ?? '',
    /^Why this first: A dataset learnt by heart has a training loss near zero, which alone raises prices’s share/,
  );
  assert.equal(section.querySelector('p.hint')?.textContent, 'Also noticed (act on it after the above, if it remains):');
  const others = [...section.querySelectorAll('ul.warnings li')];
  assert.deepEqual(
    others.map((li) => [li.className, li.textContent]),
    [['warning dominates-loss', '⚠ prices takes 80% of the weighted loss: the other datasets barely steer training. Lower its loss weight or raise theirs.']],
  );
  // The advice comes before the table.
  assert.equal(section.children[1], advice);
});

test('with one warning there is no list of others; with several the hint speaks of them in the plural', () => {
  const dominant = renderDiagnostics(runView({ epochs: 1, metrics: [epochRecord(2, { digits: { lossShare: 0.1 }, prices: { lossShare: 0.9 } })] }), new Set());
  assert.equal(dominant.querySelector('.action')?.textContent, 'Recommended: Lower prices’s loss weight.');
  assert.equal(
    dominant.querySelector('.why')?.textContent,
    'Why this first: It takes 90% of the weighted loss, so the shared layers follow its gradient; lowering one weight changes less than raising all the others.',
  );
  assert.equal(dominant.querySelector('p.hint'), null);
  assert.equal(dominant.querySelector('ul.warnings'), null);

  const epoch = epochRecord(1, { digits: { epochsSeen: 30, lossShare: 0.05 }, prices: { epochsSeen: 2, lossShare: 0.8 } });
  assert.ok(epoch.kind === 'epoch');
  epoch.datasets.letters = epochMetrics({ epochsSeen: 25, lossShare: 0.15 });
  const letters = datasetReport('letters', 'classification', 200, { a: 100, b: 100 });
  const withLetters = runView({ record: { datasets: [...runRecord().datasets, letters] }, epochs: 0, metrics: [epoch] });
  const section = renderDiagnostics(withLetters, new Set());
  assert.equal(section.querySelector('p.hint')?.textContent, 'Also noticed (act on these after the above, if they remain):');
  assert.deepEqual(
    [...section.querySelectorAll('ul.warnings li')].map((li) => li.className),
    ['warning likely-memorised', 'warning dominates-loss'],
  );
  assert.match(section.querySelector('ul.warnings li')?.textContent ?? '', /^⚠ letters \(200 training samples\) has been seen 25\.0 times/);
  assert.deepEqual(
    rows(section).map((row) => row[0]),
    ['digits', 'prices', 'letters'],
  );
});

test('a test split evaluated at the end: its macro-F1 in the summary, then per class recall and precision and its confusion matrix under the validation’s', () => {
  const heads = { digits: { task: 'classification' as const, classes: ['zero', 'one'], outputs: {} } };
  // Rows true, columns predicted: zero 18 right of 20, one 5 right of 10.
  const test = {
    digits: {
      source: '/data/digits-test',
      samples: 30,
      loss: 0.4,
      accuracy: 23 / 30,
      macroF1: 0.75,
      classes: ['zero', 'one'],
      confusion: [
        [18, 2],
        [5, 5],
      ],
    },
    prices: { source: '/data/prices-test.csv', samples: 12, loss: 0.2, mae: 0.3 },
  };
  const model = { epoch: 3, chosen: 'best' as const, monitor: 'val_accuracy_worst', value: 0.8 };
  const view = runView({
    epochs: 2,
    record: { heads, test, model },
    metrics: [
      epochRecord(3, {
        digits: {
          valConfusion: [
            [9, 1],
            [2, 8],
          ],
        },
      }),
    ],
  });
  const section = renderDiagnostics(view, new Set(['digits']));
  const digits = section.querySelector('details');
  assert.equal(digits?.open, true);
  // Test: P(zero) = 18/23, R(zero) = 0.9, F1 = 36/43; P(one) = 5/7, R(one) = 0.5, F1 = 10/17; macro-F1 0.71.
  assert.equal(digits?.querySelector('summary')?.textContent, 'digits: 2 classes · macro-F1 0.85 · weakest: one, recall 80.0% · test macro-F1 0.71');
  assert.equal(
    digits?.querySelector('p.test-heading')?.textContent,
    'Test split: 30 samples from /data/digits-test, evaluated once training ended with model/ (epoch 3)',
  );
  const tables = [...(digits?.querySelectorAll('table') ?? [])];
  assert.deepEqual(
    tables.map((t) => t.querySelector('caption')?.textContent),
    [
      'Classes of digits, validation of epoch 3',
      'Confusion matrix of digits (rows: true class, columns: predicted)',
      'Classes of digits on its test split',
      'Confusion matrix of digits on its test split (rows: true class, columns: predicted)',
    ],
  );
  const body = (t: Element | undefined) => [...(t?.querySelectorAll('tbody tr') ?? [])].map((row) => [...row.children].map((cell) => cell.textContent));
  assert.deepEqual(
    [...(tables[2]?.querySelectorAll('thead th') ?? [])].map((th) => th.textContent),
    ['Class', 'Training samples', 'Test', 'Recall', 'Precision'],
  );
  assert.deepEqual(body(tables[2]), [
    ['zero', '180', '20', '90.0%', '78.3%'],
    ['one', '120', '10', '50.0%', '71.4%'],
  ]);
  assert.deepEqual(body(tables[3]), [
    ['zero', '18', '2'],
    ['one', '5', '5'],
  ]);
  const prices = section.querySelectorAll('details')[1];
  assert.equal(prices?.querySelector('p.test-heading'), null, 'a regression test result has no class report (its MAE is under the title)');
});

test('after an epoch with a confusion matrix, each class shows its validation recall and precision, the summary names the weakest class, and the matrix marks right answers and confusions', () => {
  // The head's classes are in another order than the dataset's, and hold one the dataset lacks: rows true, columns predicted.
  const heads = { digits: { task: 'classification' as const, classes: ['one', 'zero', 'two'], outputs: {} } };
  const confusion = [
    [8, 2, 0],
    [3, 9, 0],
    [0, 0, 0],
  ];
  const section = renderDiagnostics(runView({ epochs: 2, record: { heads }, metrics: [epochRecord(3, { digits: { valConfusion: confusion } })] }), new Set());
  const digits = section.querySelector('details');
  // F1(one) = 16/21, F1(zero) = 18/23: macro-F1 0.77; zero's recall 9/12 is the lowest.
  assert.equal(digits?.querySelector('summary')?.textContent, 'digits: 2 classes · macro-F1 0.77 · weakest: zero, recall 75.0%');
  assert.deepEqual(
    [...(digits?.querySelectorAll('table')[0]?.querySelectorAll('thead th') ?? [])].map((th) => th.textContent),
    ['Class', 'Training samples', 'Validation', 'Recall', 'Precision'],
  );
  assert.deepEqual(rows(section, 1), [
    ['zero', '180', '12', '75.0%', '81.8%'],
    ['one', '120', '10', '80.0%', '72.7%'],
  ]);
  const matrix = digits?.querySelector('table.confusion');
  assert.equal(matrix?.querySelector('caption')?.textContent, 'Confusion matrix of digits (rows: true class, columns: predicted)');
  assert.deepEqual(
    [...(matrix?.querySelectorAll('tbody tr') ?? [])].map((row) =>
      [...row.children].map((cell) => `${cell.textContent}${cell.className ? `:${cell.className}` : ''}`),
    ),
    [
      ['zero', '9:diagonal', '3:miss'],
      ['one', '2:miss', '8:diagonal'],
    ],
  );
  const prices = section.querySelectorAll('details')[1];
  assert.equal(prices?.querySelector('summary')?.textContent, 'prices: 0 classes', 'a regression dataset has no class report');
});

test('where an open suggestion does what the recommended warning advises, the advice points to it instead of its own action', () => {
  const memorised = epochRecord(2, { digits: { epochsSeen: 24, lossShare: 0.2 }, prices: { epochsSeen: 2, lossShare: 0.8 } });
  const view = runView({
    epochs: 1,
    metrics: [memorised],
    events: [
      {
        kind: 'weights-suggested',
        time: at(45),
        epoch: 2,
        suggestionId: 'suggestion-2',
        balancer: 'diagnostics',
        augment: ['digits'],
        reason: 'digits is likely memorised',
      },
    ],
  });
  const advice = renderDiagnostics(view, new Set()).querySelector('.advice');
  assert.equal(
    advice?.querySelector('.action')?.textContent,
    'Recommended: the open suggestion above (diagnostics suggest augmentation for digits after epoch 2): digits augmentation: off → on (auto preset). Accept, Edit or Reject it there.',
  );
  assert.equal(
    advice?.querySelector('.warning-text')?.textContent,
    '⚠ digits (300 training samples) has been seen 24.0 times, 12.0× as often as the least-seen dataset: it is likely memorised.',
    'what the numbers show, without advice that differs from the suggestion',
  );
  assert.match(advice?.querySelector('.why')?.textContent ?? '', /^Why this first: /);

  view.pending = [{ requestId: 'suggestion-2', untilEpoch: 3, sampling: {}, loss: {} }];
  assert.equal(
    renderDiagnostics(view, new Set()).querySelector('.action')?.textContent,
    'Recommended: the suggestion above (diagnostics suggest augmentation for digits after epoch 2), which you accepted: check this warning again a few epochs after it applies.',
  );
  view.pending = [];
  assert.equal(
    renderDiagnostics(view, new Set(), ['suggestion-2']).querySelector('.action')?.textContent,
    'Recommended: Lower digits’s sampling weight (or add data to it) first.',
    'a suggestion this panel rejected is not pointed to',
  );
});

test('an open suggestion that goes against the recommended warning is named under the advice', () => {
  const view = runView({
    epochs: 1,
    metrics: [epochRecord(2, { digits: { epochsSeen: 24, lossShare: 0.2 }, prices: { epochsSeen: 2, lossShare: 0.8 } })],
    events: [
      { kind: 'weights-suggested', time: at(45), epoch: 2, suggestionId: 'suggestion-2', balancer: 'dwa', loss: { digits: 1.5, prices: 1 }, reason: 'r' },
    ],
  });
  const advice = renderDiagnostics(view, new Set()).querySelector('.advice');
  assert.equal(advice?.querySelector('.action')?.textContent, 'Recommended: Lower digits’s sampling weight (or add data to it) first.');
  assert.equal(
    advice?.querySelector('.against')?.textContent,
    'The open suggestion above (dwa balancer suggests loss weights after epoch 2) goes the other way: it raises digits’s loss weight.',
  );
});
