/** How many threads a run trains on (`training.threads`), and the reason it gives when fewer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planThreads, type ThreadInputs } from '../../../src/trainer/parallel/threadPlan';

/** The digits CNN of bench model (b): about 1.1 million multiply-adds a sample, batches of 64. */
const cnn: ThreadInputs = {
  requested: 'auto',
  cores: 2,
  backend: 'wasm',
  batchSize: 64,
  multiplyAdds: 1.1e6,
  batchWideLayers: [],
  balancer: 'static',
  balancerVariables: false,
};

test("'auto' takes every core when each thread gets at least 10 million multiply-adds and 16 samples a step", () => {
  assert.deepEqual(planThreads(cnn), { requested: 'auto', used: 2 });
  assert.deepEqual(planThreads({ ...cnn, backend: 'cpu', cores: 4, batchSize: 128 }), { requested: 'auto', used: 4 });
  // 64 samples: 4 threads of 16 on 8 cores.
  assert.deepEqual(planThreads({ ...cnn, cores: 8 }), {
    requested: 'auto',
    used: 4,
    reason: 'a batch of 64 gives each thread at least 16 samples on 4 threads',
  });
  // 128 × 235 k = 30 M (the MLP of bench model (e)): 3 threads of 8.
  const mlp = planThreads({ ...cnn, cores: 8, batchSize: 128, multiplyAdds: 235e3 });
  assert.equal(mlp.used, 3);
  assert.match(mlp.reason ?? '', /about 30 million multiply-adds; below 10 million per thread/);
  // A big model with a small batch: the samples bound it.
  const small = planThreads({ ...cnn, cores: 8, batchSize: 40, multiplyAdds: 50e6 });
  assert.deepEqual(small, { requested: 'auto', used: 2, reason: 'a batch of 40 gives each thread at least 16 samples on 2 threads' });
});

test("'auto' keeps a small model on one thread and says why", () => {
  const mlp = planThreads({ ...cnn, multiplyAdds: 5_000, batchSize: 256 });
  assert.equal(mlp.used, 1);
  assert.match(mlp.reason ?? '', /about 1\.3 million multiply-adds/);
  // The bundled example's MLP: 110 k multiply-adds a sample, batches of 64.
  assert.equal(planThreads({ ...cnn, multiplyAdds: 110e3 }).used, 1);
  assert.match(planThreads({ ...cnn, multiplyAdds: 100 }).reason ?? '', /under 0\.1 million/);
  assert.deepEqual(planThreads({ ...cnn, cores: 1 }), { requested: 'auto', used: 1 });
});

test('an explicit thread count is used as asked, at most one thread a sample', () => {
  assert.deepEqual(planThreads({ ...cnn, requested: 3, multiplyAdds: 10 }), { requested: 3, used: 3 });
  assert.deepEqual(planThreads({ ...cnn, requested: 8, batchSize: 5 }), { requested: 8, used: 5 });
  assert.deepEqual(planThreads({ ...cnn, requested: 1 }), { requested: 1, used: 1 });
});

test('what a split batch would change keeps a run on one thread, with the reason', () => {
  const cases: Array<[Partial<ThreadInputs>, RegExp]> = [
    [{ backend: 'tensorflow' }, /tensorflow backend runs each kernel on several cores itself/],
    [
      { batchWideLayers: ['batch normalization (trunk_0_batch_normalization)'] },
      /batch normalization \(trunk_0_batch_normalization\) computes statistics over the whole batch/,
    ],
    [{ balancer: 'pcgrad' }, /pcgrad projects each dataset's whole-batch gradient/],
    [{ balancer: 'uncertainty', balancerVariables: true }, /uncertainty balancer's learned weights/],
  ];
  for (const [change, reason] of cases) {
    for (const requested of ['auto', 4] as const) {
      const plan = planThreads({ ...cnn, ...change, requested });
      assert.equal(plan.used, 1);
      assert.match(plan.reason ?? '', reason);
    }
  }
  // Asked for one thread, there is nothing to explain.
  assert.deepEqual(planThreads({ ...cnn, balancer: 'pcgrad', requested: 1 }), { requested: 1, used: 1 });
});
