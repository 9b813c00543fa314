import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMonitor, lowerIsBetter, monitorImproves, monitorParts, monitoredDataset, reduceMonitor } from '../../../src/shared/experiment/monitor';

const losses = new Map<string, number | undefined>([
  ['large', 0.2],
  ['small', 0.5],
  ['tiny', 1.1],
]);
const accuracies = new Map<string, number | undefined>([
  ['large', 0.96],
  ['small', 0.9],
  ['tiny', 0.7],
  ['prices', undefined], // a regression dataset has no accuracy
]);

test('a monitor reads as a metric over the datasets or over one of them', () => {
  assert.deepEqual(monitorParts('val_loss_worst'), { metric: 'loss', over: 'worst' });
  assert.deepEqual(monitorParts('val_accuracy_mean'), { metric: 'accuracy', over: 'mean' });
  assert.deepEqual(monitorParts('val_accuracy:my:set'), { metric: 'accuracy', over: { dataset: 'my:set' } }, 'a name may itself hold a colon');
  assert.equal(monitoredDataset('val_loss:tiny'), 'tiny');
  assert.equal(monitoredDataset('val_loss_mean'), undefined);
  assert.equal(lowerIsBetter('val_loss:tiny'), true);
  assert.equal(lowerIsBetter('val_accuracy_worst'), false);
});

test('the worst dataset is the highest loss and the lowest accuracy; means count each dataset once', () => {
  assert.equal(reduceMonitor('val_loss_worst', losses), 1.1);
  assert.equal(reduceMonitor('val_loss_mean', losses), (0.2 + 0.5 + 1.1) / 3);
  assert.equal(reduceMonitor('val_accuracy_worst', accuracies), 0.7);
  assert.equal(reduceMonitor('val_accuracy_mean', accuracies), (0.96 + 0.9 + 0.7) / 3, 'the regression dataset is left out, not counted as 0');
  assert.equal(reduceMonitor('val_loss:small', losses), 0.5);
});

test('nothing to watch reads NaN, which never counts as an improvement', () => {
  assert.ok(Number.isNaN(reduceMonitor('val_accuracy:prices', accuracies)));
  assert.ok(Number.isNaN(reduceMonitor('val_loss:gone', losses)));
  assert.ok(Number.isNaN(reduceMonitor('val_accuracy_worst', new Map([['prices', undefined]]))));
  assert.equal(monitorImproves('val_loss_mean', Number.NaN, undefined), false);
});

test('an improvement goes the monitor’s way by more than min_delta', () => {
  assert.equal(monitorImproves('val_loss:tiny', 0.5, undefined), true, 'the first finite value is the best so far');
  assert.equal(monitorImproves('val_loss:tiny', 0.5, null), true);
  assert.equal(monitorImproves('val_loss:tiny', 0.49, 0.5), true);
  assert.equal(monitorImproves('val_loss:tiny', 0.49, 0.5, 0.01), false, 'by exactly min_delta is not more than it');
  assert.equal(monitorImproves('val_loss_worst', 0.51, 0.5), false);
  assert.equal(monitorImproves('val_accuracy_worst', 0.71, 0.7), true);
  assert.equal(monitorImproves('val_accuracy_worst', 0.69, 0.7), false);
});

test('a monitor in words, for stop reasons and reports', () => {
  assert.equal(describeMonitor('val_accuracy_worst'), "the worst dataset's validation accuracy");
  assert.equal(describeMonitor('val_loss_mean'), 'the mean validation loss over datasets');
  assert.equal(describeMonitor('val_loss:tiny'), "tiny's validation loss");
});
