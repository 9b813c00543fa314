/** The augmentation in force per dataset: declared, off, or `augment: auto` switched on by the balancer or a request. */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { RunEvent } from '../../../src/shared/runs/format';
import { AUTO_AUGMENT_SPEC, Augmentation } from '../../../src/trainer/training/augmentation';
import { csvSpec, imageSpec } from './data-fixtures';

function setUp() {
  const events: RunEvent[] = [];
  const specs = [
    imageSpec({ name: 'written', augment: { rotation: 5 } }),
    imageSpec({ name: 'auto', augment: 'auto' }),
    imageSpec({ name: 'off' }),
    csvSpec({ name: 'table' }),
  ];
  return { events, augmentation: new Augmentation(specs, (event) => events.push(event)) };
}

test('a written augmentation is in force from the start; auto only once switched on, once, with an event', () => {
  const { events, augmentation } = setUp();
  assert.equal(augmentation.inForce(0)?.rotation, 5);
  assert.equal(augmentation.inForce(1), undefined);
  assert.equal(augmentation.inForce(2), undefined);
  assert.deepEqual(
    [0, 1, 2, 3].map((d) => augmentation.autoOff(d)),
    [false, true, false, false],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((d) => augmentation.canPropose(d)),
    [false, true, true, false],
    'an image dataset without augmentation may be proposed it',
  );
  augmentation.switchOn(1, 3, 'memorised');
  augmentation.switchOn(1, 4, 'again');
  assert.deepEqual(augmentation.inForce(1), AUTO_AUGMENT_SPEC);
  assert.deepEqual(AUTO_AUGMENT_SPEC.rotation, 10);
  assert.deepEqual(
    events.map((e) => (e.kind === 'augmentation-on' ? [e.epoch, e.dataset, e.reason] : e.kind)),
    [[4, 'auto', 'memorised']],
    'switched at the end of epoch 3: in force from epoch 4, the epoch the event names',
  );
});

test('a request switches the preset on at the next epoch boundary; datasets it cannot apply to are refused by name and why', () => {
  const { events, augmentation } = setUp();
  assert.equal(augmentation.request(['table']), "'table' is not an image dataset: only images are augmented");
  assert.equal(augmentation.request(['written']), "'written' already has the augmentation its experiment writes");
  assert.equal(augmentation.request(['nope']), "no dataset 'nope'");
  assert.equal(augmentation.request(['auto'], 'suggestion-2'), undefined);
  assert.equal(augmentation.request(['off', 'auto'], 'by-hand'), undefined);
  assert.equal(augmentation.inForce(1), undefined, 'not before the boundary');
  assert.equal(augmentation.canPropose(2), false, 'asked for already');
  const saved = augmentation.state();
  const resumed = setUp();
  resumed.augmentation.restore(saved);
  resumed.augmentation.startEpoch(3);
  assert.deepEqual(resumed.augmentation.inForce(1), AUTO_AUGMENT_SPEC);
  assert.deepEqual(
    resumed.events.map((e) => (e.kind === 'augmentation-on' ? [e.epoch, e.dataset, e.requestId] : e.kind)),
    [
      [3, 'auto', 'suggestion-2'],
      [3, 'off', 'by-hand'],
    ],
  );
  assert.deepEqual(resumed.augmentation.inForce(2), AUTO_AUGMENT_SPEC);
  assert.deepEqual(resumed.augmentation.state(), { on: ['auto', 'off'] });
  assert.equal(events.length, 0);
});

test('at an epoch end, augment: auto switches on for a memorised dataset only: not for one that generalises, nor one whose augmentation is written', () => {
  const { events, augmentation } = setUp();
  const evidence = (name: string, trainAccuracy: number, valAccuracy: number) => ({ name, trainLoss: 0.1, valLoss: 0.5, trainAccuracy, valAccuracy });
  augmentation.switchOnMemorised([evidence('written', 1, 0.5), evidence('auto', 0.95, 0.9), evidence('off', 1, 0.5), evidence('table', 1, 0.5)], 2);
  assert.equal(events.length, 0, 'auto is 5 points from memorised; the others do not declare auto');
  augmentation.switchOnMemorised([evidence('written', 1, 0.5), evidence('auto', 0.99, 0.8), evidence('off', 1, 0.5), evidence('table', 1, 0.5)], 3);
  assert.deepEqual(
    events.map((e) => (e.kind === 'augmentation-on' ? [e.epoch, e.dataset, e.reason] : e.kind)),
    [[4, 'auto', 'auto is memorised (training accuracy 99.0% against 80.0% on validation, a gap of 19 points) and has no augmentation']],
  );
  assert.deepEqual(augmentation.inForce(1), AUTO_AUGMENT_SPEC);
});
