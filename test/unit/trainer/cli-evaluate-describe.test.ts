/** How `jointrain evaluate` prints one dataset: its summary line, per-class table and confusion matrix. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe as describeEvaluation } from '../../../src/trainer/cli/evaluateCommand';

test('a classification dataset: samples, source, loss, accuracy and macro-F1, then per class precision, recall, F1 and support, then the confusion matrix', () => {
  const text = describeEvaluation({
    dataset: 'small',
    source: '/data/small-test',
    samples: 20,
    loss: 0.4321,
    accuracy: 0.75,
    macroF1: 0.7333333,
    classes: ['cat', 'dog', 'fox'],
    confusion: [
      [9, 1, 0],
      [4, 6, 0],
      [0, 0, 0],
    ],
  });
  const lines = text.split('\n');
  assert.equal(lines[0], 'small: 20 samples from /data/small-test: loss 0.432, accuracy 75.0%, macro-F1 0.733');
  assert.match(text, /^│class │precision │recall │F1 +│support │$/m);
  // cat: 9 of 13 predictions right, 9 of 10 found; dog: 6 of 7, 6 of 10. fox has no samples and no predictions: left out.
  assert.match(text, /^│cat +│69\.2% +│90\.0% +│0\.783 │10 +│$/m);
  assert.match(text, /^│dog +│85\.7% +│60\.0% +│0\.706 │10 +│$/m);
  assert.doesNotMatch(text, /^│fox +│\d+\.\d%/m, 'no per-class row for fox');
  assert.match(text, /^│true \\ predicted │cat │dog │fox │$/m);
  assert.match(text, /^│cat +│9 +│1 +│0 +│$/m);
});

test('a regression dataset is one line with its MAE; a matrix of more than 12 classes is left to --json', () => {
  assert.equal(
    describeEvaluation({ dataset: 'reg', source: '/d/reg.csv', samples: 12, loss: 0.02, mae: 0.0834 }),
    'reg: 12 samples from /d/reg.csv: loss 0.020, MAE 0.083',
  );
  const classes = Array.from({ length: 13 }, (_, c) => `c${c}`);
  const confusion = classes.map((_, r) => classes.map((__, c) => (r === c ? 1 : 0)));
  const text = describeEvaluation({ dataset: 'many', source: '/d', samples: 13, loss: 0.1, accuracy: 1, macroF1: 1, classes, confusion });
  assert.match(text, /\nconfusion matrix: 13 classes, in --json$/);
});
