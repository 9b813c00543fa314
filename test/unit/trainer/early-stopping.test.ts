import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EarlyStopping } from '../../../src/trainer/training/earlyStopping';

test('a loss that stops improving by more than min_delta for `patience` epochs stops the run, saying why', () => {
  const watch = new EarlyStopping({ monitor: 'val_loss_mean', patience: 2, min_delta: 0.01 });
  assert.equal(watch.observe(1, 1.0), undefined);
  assert.equal(watch.observe(2, 0.8), undefined, 'improved');
  assert.equal(watch.observe(3, 0.795), undefined, 'by less than min_delta: one epoch without improvement');
  assert.equal(
    watch.observe(4, 0.9),
    'early stopping: val_loss_mean (the mean validation loss over datasets) has not improved for 2 epochs (its best, 0.8000 at epoch 2)',
  );
});

test('an accuracy monitor wants the value to rise; an improvement resets the count', () => {
  const watch = new EarlyStopping({ monitor: 'val_accuracy_worst', patience: 2, min_delta: 0 });
  for (const [epoch, value] of [
    [1, 0.5],
    [2, 0.5],
    [3, 0.6],
    [4, 0.55],
  ] as const)
    assert.equal(watch.observe(epoch, value), undefined, `epoch ${epoch}`);
  assert.match(
    watch.observe(5, 0.6) ?? '',
    /val_accuracy_worst \(the worst dataset's validation accuracy\) has not improved for 2 epochs \(its best, 0\.6000 at epoch 3\)/,
  );
});

test('without early_stopping nothing ever stops; its state survives a checkpoint', () => {
  const off = new EarlyStopping(undefined);
  for (let epoch = 1; epoch < 50; epoch++) assert.equal(off.observe(epoch, 1), undefined);
  const watch = new EarlyStopping({ monitor: 'val_loss_mean', patience: 3, min_delta: 0 });
  watch.observe(1, 1);
  watch.observe(2, 2);
  const resumed = new EarlyStopping({ monitor: 'val_loss_mean', patience: 3, min_delta: 0 });
  resumed.restore(structuredClone(watch.state()));
  assert.equal(resumed.observe(3, 2), undefined);
  assert.match(resumed.observe(4, 2) ?? '', /not improved for 3 epochs \(its best, 1\.000 at epoch 1\)/);
});
