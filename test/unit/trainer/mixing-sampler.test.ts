import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MixingStrategy } from '../../../src/shared/experiment/schema';
import { configuredShares } from '../../../src/shared/mixing/shares';
import { Random } from '../../../src/shared/random';
import { MixingSampler } from '../../../src/trainer/mixing/mixingSampler';

const sizes = [5000, 500, 100];

function drawSamples(shares: number[], total: number, batchSize = 64, seed = 1): { counts: number[]; batches: number[][][] } {
  const sampler = new MixingSampler(sizes, shares, { steps: Math.ceil(total / batchSize) }, batchSize, new Random(seed));
  sampler.startEpoch();
  const batches: number[][][] = [];
  for (let batch = sampler.next(); batch; batch = sampler.next()) batches.push(batch.perDataset);
  return { counts: sampler.accounting.epochDrawn, batches };
}

describe('configured shares', () => {
  test('proportional follows dataset sizes', () => {
    assert.deepEqual(configuredShares({ strategy: 'proportional', temperature: 2, sizes: [300, 100], samplingWeights: [1, 1] }), [0.75, 0.25]);
  });
  test('uniform gives every dataset the same share', () => {
    assert.deepEqual(configuredShares({ strategy: 'uniform', temperature: 2, sizes: [900, 100], samplingWeights: [1, 1] }), [0.5, 0.5]);
  });
  test('temperature T=2 uses the square root of the sizes', () => {
    const shares = configuredShares({ strategy: 'temperature', temperature: 2, sizes: [100, 25], samplingWeights: [1, 1] });
    assert.ok(Math.abs((shares[0] as number) - 2 / 3) < 1e-12);
    assert.ok(Math.abs((shares[1] as number) - 1 / 3) < 1e-12);
  });
  test('weights use the sampling weights alone', () => {
    assert.deepEqual(configuredShares({ strategy: 'weights', temperature: 2, sizes: [900, 100], samplingWeights: [1, 3] }), [0.25, 0.75]);
  });
  test('sampling weights multiply the strategy share', () => {
    assert.deepEqual(configuredShares({ strategy: 'proportional', temperature: 2, sizes: [300, 100], samplingWeights: [1, 3] }), [0.5, 0.5]);
  });
  test('all-zero sampling weights are refused with what to do', () => {
    assert.throws(() => configuredShares({ strategy: 'uniform', temperature: 2, sizes: [3, 4], samplingWeights: [0, 0] }), /positive sampling_weight/);
  });
});

describe('mixing sampler', () => {
  for (const strategy of ['proportional', 'uniform', 'temperature', 'weights'] as MixingStrategy[]) {
    test(`${strategy} realizes its configured shares to within one sample per dataset, after every step of 10,000 samples`, () => {
      const shares = configuredShares({ strategy, temperature: 3, sizes, samplingWeights: [1, 2, 5] });
      const { batches } = drawSamples(shares, 10_000);
      const drawn = sizes.map(() => 0);
      batches.forEach((batch, step) => {
        batch.forEach((indices, d) => (drawn[d] = (drawn[d] ?? 0) + indices.length));
        const total = (step + 1) * 64;
        drawn.forEach((count, d) => {
          // Largest-remainder allocation with carried credit: the deficit or surplus never reaches a whole sample.
          assert.ok(
            Math.abs(count - (shares[d] as number) * total) < 1,
            `${strategy} dataset ${d} after step ${step + 1}: ${count} drawn, ${(shares[d] as number) * total} due`,
          );
        });
      });
      assert.ok(batches.length * 64 >= 10_000);
    });
  }

  test('every batch holds exactly batch_size samples', () => {
    const { batches } = drawSamples([0.7, 0.2, 0.1], 2000, 50);
    for (const batch of batches)
      assert.equal(
        batch.reduce((sum, indices) => sum + indices.length, 0),
        50,
      );
  });

  test('the same seed draws the same batches and another seed does not', () => {
    const shares = [0.5, 0.3, 0.2];
    assert.deepEqual(drawSamples(shares, 1000, 64, 7).batches, drawSamples(shares, 1000, 64, 7).batches);
    assert.notDeepEqual(drawSamples(shares, 1000, 64, 7).batches, drawSamples(shares, 1000, 64, 8).batches);
  });

  test('all_exhausted ends when every dataset was seen once, cycling and reshuffling the small ones', () => {
    const sampler = new MixingSampler([200, 20], [0.5, 0.5], 'all_exhausted', 10, new Random(3));
    sampler.startEpoch();
    const small: number[] = [];
    let steps = 0;
    for (let batch = sampler.next(); batch; batch = sampler.next()) {
      steps++;
      small.push(...(batch.perDataset[1] as number[]));
    }
    assert.equal(steps, 40);
    assert.equal(sampler.stepsPerEpoch(), 40);
    assert.equal(sampler.accounting.epochDrawn[0], 200);
    assert.equal(small.length, 200);
    // Each pass over the small dataset is a permutation of all 20 samples ...
    for (let pass = 0; pass < 10; pass++)
      assert.deepEqual(
        [...small.slice(pass * 20, pass * 20 + 20)].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i),
      );
    // ... and passes are reshuffled, not repeated.
    assert.notDeepEqual(small.slice(0, 20), small.slice(20, 40));
  });

  test('first_exhausted ends as soon as one dataset was seen once', () => {
    const sampler = new MixingSampler([200, 20], [0.5, 0.5], 'first_exhausted', 10, new Random(3));
    sampler.startEpoch();
    let steps = 0;
    while (sampler.next()) steps++;
    assert.equal(steps, 4);
    assert.deepEqual(sampler.accounting.epochDrawn, [20, 20]);
  });

  test('proportional mixing with first_exhausted is one pass over the concatenation', () => {
    const sampler = new MixingSampler([300, 100], [0.75, 0.25], 'first_exhausted', 40, new Random(1));
    sampler.startEpoch();
    const seen: number[][] = [[], []];
    for (let batch = sampler.next(); batch; batch = sampler.next()) batch.perDataset.forEach((indices, d) => seen[d]?.push(...indices));
    assert.equal(new Set(seen[0]).size, 300);
    assert.equal(new Set(seen[1]).size, 100);
  });

  test('a dataset with zero share is never drawn and does not hold the epoch open', () => {
    const sampler = new MixingSampler([100, 50], [1, 0], 'all_exhausted', 10, new Random(1));
    sampler.startEpoch();
    let steps = 0;
    while (sampler.next()) steps++;
    assert.equal(steps, 10);
    assert.deepEqual(sampler.accounting.epochDrawn, [100, 0]);
  });

  test('new shares take effect at the next epoch and realized shares follow them', () => {
    const sampler = new MixingSampler([1000, 1000], [0.5, 0.5], { steps: 100 }, 20, new Random(1));
    sampler.startEpoch();
    while (sampler.next());
    assert.deepEqual(sampler.realizedShares(), [0.5, 0.5]);
    sampler.startEpoch([0.9, 0.1]);
    while (sampler.next());
    const [first, second] = sampler.realizedShares();
    assert.ok(Math.abs((first as number) - 0.9) < 1e-9 && Math.abs((second as number) - 0.1) < 1e-9);
    assert.deepEqual(sampler.accounting.totalDrawn, [1000 + 1800, 1000 + 200]);
  });
});
