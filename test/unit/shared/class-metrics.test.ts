import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classMetrics, MAX_RECORDED_CONFUSION_CLASSES, recordedConfusion, weakestClasses } from '../../../src/shared/metrics/classMetrics';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

// Rows are true classes, columns predicted: class 0 has 6 samples (5 right), class 1 has 5 (3 right), class 2 none.
const CONFUSION = [
  [5, 1, 0],
  [2, 3, 0],
  [0, 0, 0],
];

test('precision, recall and F1 per class, by hand: P0 = 5/7, R0 = 5/6, F1 = 10/13; P1 = 3/4, R1 = 3/5, F1 = 2/3', () => {
  const metrics = classMetrics(CONFUSION);
  close(metrics.perClass[0]?.precision ?? NaN, 5 / 7);
  close(metrics.perClass[0]?.recall ?? NaN, 5 / 6);
  close(metrics.perClass[0]?.f1 ?? NaN, 10 / 13);
  close(metrics.perClass[1]?.precision ?? NaN, 3 / 4);
  close(metrics.perClass[1]?.recall ?? NaN, 3 / 5);
  close(metrics.perClass[1]?.f1 ?? NaN, 2 / 3);
  assert.deepEqual(
    metrics.perClass.map((entry) => entry.support),
    [6, 5, 0],
  );
});

test('macro-F1 averages only the classes that occur (a class with no samples and no predictions does not count), accuracy is the diagonal share', () => {
  const metrics = classMetrics(CONFUSION);
  close(metrics.macroF1, (10 / 13 + 2 / 3) / 2);
  close(metrics.accuracy, 8 / 11);
});

test('a class predicted but never true counts with F1 0; a class never predicted has precision 0', () => {
  const metrics = classMetrics([
    [0, 2],
    [0, 0],
  ]);
  assert.deepEqual(metrics.perClass[0], { precision: 0, recall: 0, f1: 0, support: 2 });
  assert.deepEqual(metrics.perClass[1], { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.equal(metrics.macroF1, 0);
  assert.ok(Number.isNaN(classMetrics([[0]]).macroF1), 'no samples at all: no F1');
});

test('the weakest classes are those with the lowest recall among classes with samples, more samples first on a tie', () => {
  const confusion = [
    [9, 1, 0, 0],
    [4, 4, 0, 0],
    [0, 0, 0, 0],
    [1, 1, 0, 2],
  ];
  assert.deepEqual(weakestClasses(confusion, ['zero', 'one', 'two', 'three'], 2), [
    { name: 'one', recall: 0.5, support: 8 },
    { name: 'three', recall: 0.5, support: 4 },
  ]);
});

test('a run records confusion matrices of up to 100 classes; a larger one is left out of its records', () => {
  const square = (k: number) => Array.from({ length: k }, () => new Array<number>(k).fill(0));
  assert.equal(MAX_RECORDED_CONFUSION_CLASSES, 100);
  assert.deepEqual(recordedConfusion(square(100))?.length, 100);
  assert.equal(recordedConfusion(square(101)), undefined);
  assert.equal(recordedConfusion(undefined), undefined);
});
