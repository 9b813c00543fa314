/**
 * The loop's side of balancing: a step with per-dataset gradients updates exactly as the joint
 * step does (unless PCGrad changes it), which steps keep gradients apart, the uncertainty term,
 * and schedules at epoch boundaries.
 */
import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { BalancerSchema, ExperimentSchema } from '../../../src/shared/experiment/schema';
import { Random } from '../../../src/shared/random';
import { scheduleValue } from '../../../src/shared/schedules';
import { LoopBalancer } from '../../../src/trainer/balancing/loopBalancer';
import { EpochSchedules } from '../../../src/trainer/loop/epochSchedules';
import { datasetTerm, perSampleLoss, type DatasetBatch } from '../../../src/trainer/loop/jointLoss';
import { perDatasetStep } from '../../../src/trainer/loop/perDatasetStep';
import { trainStep } from '../../../src/trainer/loop/trainStep';
import { WeightSchedule } from '../../../src/trainer/loop/weightSchedule';
import type { JointModel } from '../../../src/trainer/model/jointModel';
import { tinyBatches, tinyModel } from './tinyJointModel';

before(async () => {
  await tf.setBackend('cpu');
});

const batches = (model: JointModel): DatasetBatch[] => tinyBatches(model, [2, 0.5]);

function weightsOf(model: JointModel): Float32Array[] {
  return model.trainableVariables.map((weight) => weight.read().dataSync() as Float32Array);
}

function variablesOf(model: JointModel): { variables: tf.Variable[]; kernels: tf.Variable[] } {
  return { variables: model.trainableVariables.map((w) => w.read() as tf.Variable), kernels: model.kernels.map((w) => w.read() as tf.Variable) };
}

test('a step with per-dataset gradients summed updates the model exactly as the joint step does', async () => {
  const joint = tinyModel();
  const separate = tinyModel();
  const a = variablesOf(joint);
  const b = variablesOf(separate);
  const jointOptimizer = tf.train.sgd(0.1);
  const separateOptimizer = tf.train.sgd(0.1);
  for (let i = 0; i < 3; i++) {
    const x = await trainStep(batches(joint), 8, { optimizer: jointOptimizer, variables: a.variables, kernels: a.kernels, l2: 0.01 });
    const y = await perDatasetStep(
      batches(separate),
      8,
      { optimizer: separateOptimizer, variables: b.variables, kernels: b.kernels, l2: 0.01 },
      { combine: 'sum' },
    );
    assert.ok(Math.abs(x.totalLoss - y.totalLoss) < 1e-5, `total loss ${x.totalLoss} vs ${y.totalLoss}`);
    assert.equal(x.backwardPasses, 1);
    assert.equal(y.backwardPasses, 2);
  }
  const left = weightsOf(joint);
  weightsOf(separate).forEach((values, v) =>
    values.forEach((value, i) => assert.ok(Math.abs(value - ((left[v] as Float32Array)[i] ?? 0)) < 1e-5, `variable ${v}[${i}]`)),
  );
});

test('the per-dataset step reports the shared parameters, diagnostics over them, and leaks no tensors', async () => {
  const model = tinyModel();
  const { variables, kernels } = variablesOf(model);
  const optimizer = tf.train.sgd(0.05);
  const data = batches(model);
  await perDatasetStep(data, 8, { optimizer, variables, kernels, l2: 0 }, { combine: 'pcgrad' });
  const before = tf.memory().numTensors;
  const outcome = await perDatasetStep(data, 8, { optimizer, variables, kernels, l2: 0 }, { combine: 'pcgrad' });
  assert.equal(tf.memory().numTensors, before);
  // Stem dense 4→6 (30) and trunk dense 6→5 (35) are shared; each head is one dataset's.
  assert.equal(outcome.gradients.sharedParameters, 30 + 35);
  const { norms, normShares, cosine } = outcome.gradients.diagnostics;
  assert.ok(norms.every((n) => n !== null && n > 0));
  assert.ok(Math.abs((normShares[0] ?? 0) + (normShares[1] ?? 0) - 1) < 1e-9);
  assert.equal(cosine[0]?.[1], cosine[1]?.[0]);
});

test('with the uncertainty balancer a dataset’s term is exp(−s)·w·L̄ + s over its mean loss', () => {
  const model = tinyModel();
  const [kind] = batches(model) as [DatasetBatch];
  const s = tf.variable(tf.scalar(0.7));
  const losses = perSampleLoss(kind, true).losses;
  const mean = tf.mean(losses).dataSync()[0] as number;
  const term = datasetTerm({ ...kind, logVariance: s }, losses, 8).dataSync()[0] as number;
  assert.ok(Math.abs(term - (Math.exp(-0.7) * 2 * mean + 0.7)) < 1e-5);
  assert.ok(Math.abs((datasetTerm(kind, losses, 8).dataSync()[0] as number) - (2 * 5 * mean) / 8) < 1e-5, 'without it: w·Σℓ/B');
});

test('with a static balancer no step is taken from gradients kept apart; diagnostics are measured beside the step', () => {
  const random = new Random(1);
  const off = new LoopBalancer(BalancerSchema.parse({}), 0, 3, random);
  assert.deepEqual(
    [1, 2, 10, 25, 100].map((step) => off.plan(step).perDataset),
    [false, false, false, false, false],
  );
  const every5 = new LoopBalancer(BalancerSchema.parse({}), 5, 3, random);
  assert.deepEqual(
    [4, 5, 6, 10].map((step) => every5.plan(step)),
    [
      { perDataset: false, combine: 'sum', diagnostics: false },
      { perDataset: false, combine: 'sum', diagnostics: true },
      { perDataset: false, combine: 'sum', diagnostics: false },
      { perDataset: false, combine: 'sum', diagnostics: true },
    ],
  );
  const alone = new LoopBalancer(BalancerSchema.parse({}), 5, 1, random);
  assert.equal(alone.plan(5).perDataset, false, 'one dataset: nothing to compare its gradient with');
  const pcgrad = new LoopBalancer(BalancerSchema.parse({ type: 'pcgrad' }), 0, 3, random);
  assert.deepEqual(pcgrad.plan(7), { perDataset: true, combine: 'pcgrad', diagnostics: false });
  const gradnorm = new LoopBalancer(BalancerSchema.parse({ type: 'gradnorm' }), 0, 3, random);
  assert.deepEqual(
    [9, 10].map((step) => gradnorm.plan(step).perDataset),
    [false, true],
  );
});

/** An epoch end that gives only training losses, as dwa and gradnorm read it. */
const losses = (trainLosses: number[]) => ({ trainLosses, datasets: [] });

test('dwa in auto mode changes the multipliers from the third epoch; in suggest mode it only proposes', () => {
  const auto = new LoopBalancer(BalancerSchema.parse({ type: 'dwa', temperature: 2 }), 0, 2, new Random(1));
  assert.equal(auto.epochEnd(losses([2, 1])), undefined);
  assert.deepEqual([auto.multiplier(0), auto.multiplier(1)], [1, 1], 'one epoch of history: no ratio yet');
  auto.epochEnd(losses([1, 1]));
  // r = [0.5, 1]; w = 2·e^{r/2} / Σ e^{r/2}
  const e = [Math.exp(0.25), Math.exp(0.5)];
  const expected = e.map((v) => (2 * v) / ((e[0] ?? 0) + (e[1] ?? 0)));
  assert.ok(Math.abs(auto.multiplier(0) - (expected[0] ?? 0)) < 1e-12);
  assert.ok(Math.abs(auto.multiplier(1) - (expected[1] ?? 0)) < 1e-12);

  const suggest = new LoopBalancer(BalancerSchema.parse({ type: 'dwa', mode: 'suggest' }), 0, 2, new Random(1));
  suggest.epochEnd(losses([2, 1]));
  const proposal = suggest.epochEnd(losses([1, 1]));
  assert.deepEqual([suggest.multiplier(0), suggest.multiplier(1)], [1, 1], 'nothing applied by itself');
  assert.ok(proposal && Math.abs((proposal.multipliers[0] ?? 0) - (expected[0] ?? 0)) < 1e-12);
  assert.deepEqual(proposal.lossRatios, [0.5, 1]);
});

test('the uncertainty balancer trains one log-variance per dataset and reports exp(−s) as read back at the epoch end', async () => {
  const balancer = new LoopBalancer(BalancerSchema.parse({ type: 'uncertainty' }), 0, 3, new Random(1));
  assert.equal(balancer.variables.length, 3);
  assert.deepEqual(balancer.reportedWeights(), [1, 1, 1]);
  balancer.variables[1]?.assign(tf.scalar(Math.log(2)));
  assert.deepEqual(balancer.reportedWeights(), [1, 1, 1], 'not read back yet');
  await balancer.readBack();
  assert.ok(Math.abs((balancer.reportedWeights()?.[1] ?? 0) - 0.5) < 1e-6);
  assert.ok(Math.abs((balancer.state().logVariances[1] ?? 0) - Math.log(2)) < 1e-6, 'the checkpoint saves what was read back');
  balancer.dispose();
});

test('schedules: step, linear and cosine values at epoch boundaries', () => {
  const base = { from: 2, to: 0.5, start_epoch: 1, end_epoch: 4 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((e) => scheduleValue({ type: 'step', ...base }, e)),
    [2, 2, 2, 0.5, 0.5],
  );
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((e) => scheduleValue({ type: 'linear', ...base }, e)),
    [2, 1.5, 1, 0.5, 0.5],
  );
  const cosine = [1, 2, 3, 4].map((e) => scheduleValue({ type: 'cosine', ...base }, e));
  assert.ok(Math.abs((cosine[1] ?? 0) - (2 - 1.5 * 0.25)) < 1e-12, 'a quarter of the way at a third of the time');
  assert.deepEqual([cosine[0], cosine[3]], [2, 0.5]);
});

test('a weight set by hand ends its schedule; the temperature follows its schedule but never drops below 1', () => {
  const experiment = ExperimentSchema.parse({
    version: 1,
    datasets: [
      { name: 'a', type: 'csv', path: 'a.csv', csv: { label: 'y' }, loss_weight_schedule: { type: 'linear', from: 2, to: 1, end_epoch: 3 } },
      { name: 'b', type: 'csv', path: 'b.csv', csv: { label: 'y' } },
    ],
    mixing: { strategy: 'temperature', temperature_schedule: { type: 'linear', from: 5, to: 0, end_epoch: 6 } },
    model: { stems: { t: { layers: [] } }, trunk: [{ type: 'dense', units: 2 }], heads: { y: { task: 'classification' } } },
  });
  const schedules = new EpochSchedules(experiment);
  const weights = new WeightSchedule({ a: 1, b: 1 }, { a: 1, b: 1 });
  assert.deepEqual(weights.setScheduled(schedules.weightsFor(1)), { loss: { a: 2 } });
  assert.deepEqual(weights.setScheduled(schedules.weightsFor(2)), { loss: { a: 1.5 } });
  assert.deepEqual(schedules.endByHand({ loss: { a: 3 } }), ['loss/a']);
  assert.deepEqual(schedules.weightsFor(3), { sampling: {}, loss: {} });
  assert.deepEqual(
    [1, 2, 6].map((e) => schedules.temperatureFor(e)),
    [5, 4, 1],
  );
});

test('Adam keeps each variable’s moments when a dataset is absent from some steps', async () => {
  // tfjs optimizers key their slots by position in the gradient map: a step without the `kind`
  // dataset used to shift the `value` head's moments onto the `kind` head (a shape error here).
  for (const step of ['joint', 'separate'] as const) {
    const model = tinyModel();
    const { variables, kernels } = variablesOf(model);
    const optimizer = tf.train.adam(0.01);
    const [kind, value] = batches(model) as [DatasetBatch, DatasetBatch];
    const run = async (data: DatasetBatch[]) =>
      step === 'joint'
        ? await trainStep(data, 8, { optimizer, variables, kernels, l2: 0 })
        : await perDatasetStep(data, 8, { optimizer, variables, kernels, l2: 0 }, { combine: 'sum' });
    const kindHead = model.trainableVariables.map((w) => w.read()).filter((v) => v.shape.length === 2 && v.shape[1] === 3)[0] as tf.Variable;
    const before = kindHead.dataSync().slice();
    await run([value]);
    assert.deepEqual([...kindHead.dataSync()], [...before], `${step}: a head without data and without history does not move`);
    await run([kind, value]);
    await run([value]);
    assert.ok(
      kindHead.dataSync().some((v, i) => v !== before[i]),
      `${step}: the kind head trained`,
    );
  }
});
