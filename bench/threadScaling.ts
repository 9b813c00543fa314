/**
 * Benchmark 9, threads: jointrain's training step on 1 thread and on every core (`training.threads`,
 * data-parallel workers), on the models of benchmark 4 that the experiment format can declare,
 * against PyTorch on as many threads — alternated for several rounds in this run, medians and
 * spread. It also says what `threads: auto` picks for each model, and why.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { selectBackend } from '../src/trainer/backend/selectBackend';
import type { LayerSpec } from '../src/shared/experiment/schema';
import type { DatasetBatch } from '../src/trainer/loop/jointLoss';
import { createOptimizer } from '../src/trainer/loop/optimizer';
import { trainStep } from '../src/trainer/loop/trainStep';
import { buildDeclaredModel } from '../src/trainer/model/jointModel';
import { DataParallelStep, multiplyAddsPerSample } from '../src/trainer/parallel/dataParallelStep';
import { planThreads } from '../src/trainer/parallel/threadPlan';
import type { ModelRecipe } from '../src/trainer/training/modelLifecycle';
import { ALL_CORES_GOAL, ALL_CORES_MODELS, ensureTorch, MODELS, torchSamplesPerSecond, type ReferenceModel } from './backendComparison';
import { table, verdict, type BenchSection } from './markdown';
import { fixed, median, ratioAgainst, whole } from './stats';

const ROUNDS = 3;
/** Issue 13's first goal, judged here on jointrain's own step (benchmark 4 judges tfjs's trainOnBatch). */
const SINGLE_THREAD_GOAL = 0.5;
const WARM_UP_MS = 2000;
const CORES = os.availableParallelism();
const conv = (filters: number, size: number, extra: Partial<LayerSpec> = {}) => ({ type: 'conv2d', filters, kernel_size: size, activation: 'relu', ...extra });
const pool = { type: 'max_pooling2d', pool_size: 2 };
const dense = (units: number) => ({ type: 'dense', units, activation: 'relu' });

/** Benchmark 4's models in the experiment format (the head's output layer is added by jointrain). */
const LAYERS: Partial<Record<ReferenceModel['name'], unknown[]>> = {
  a: [conv(16, 3, { padding: 'same' }), pool, conv(32, 3, { strides: 2, padding: 'same' }), { type: 'flatten' }],
  b: [conv(16, 3, { padding: 'same' }), pool, conv(32, 3, { padding: 'same' }), pool, { type: 'flatten' }, dense(64)],
  c: [conv(6, 5, { padding: 'same' }), pool, conv(16, 5), pool, { type: 'flatten' }, dense(120), dense(84)],
  e: [dense(256), dense(128)],
  f: [dense(64), dense(64)],
};

interface Setup {
  model: ReferenceModel;
  recipe: ModelRecipe;
  build(): ReturnType<typeof buildDeclaredModel>;
}

function setupOf(model: ReferenceModel): Setup {
  const recipe = {
    model: { stems: { x: { layers: LAYERS[model.name] } }, trunk: [], heads: { y: { task: 'classification', layers: [] } } },
    dir: '.',
    seed: 1,
    heads: { y: { task: 'classification' as const, units: model.classes } },
    stemShapes: { x: model.input },
    paths: [{ stem: 'x', head: 'y' }],
  } as unknown as ModelRecipe;
  return { model, recipe, build: () => buildDeclaredModel(recipe.model as never, recipe.stemShapes, recipe.heads, recipe.paths, 1) };
}

/** Samples/s of jointrain's step on `threads` threads: warm-up, then about as long as benchmark 4 times wasm. */
async function jointrainSamplesPerSecond(setup: Setup, threads: number, batchSize = setup.model.batch): Promise<number> {
  const model = { ...setup.model, batch: batchSize };
  const joint = setup.build();
  const variables = joint.trainableVariables.map((weight) => weight.read() as tf.Variable);
  const optimizer = createOptimizer({ type: 'adam', learning_rate: 1e-3, momentum: 0 });
  const batch: DatasetBatch = {
    path: joint.paths[0] as DatasetBatch['path'],
    task: 'classification',
    x: tf.randomUniform([model.batch, ...model.input]),
    labels: tf.randomUniform([model.batch], 0, model.classes, 'int32') as tf.Tensor1D,
    lossWeight: 1,
    regressionLoss: 'mse',
    units: model.classes,
  };
  const parallel =
    threads > 1
      ? await DataParallelStep.start({ threads, backend: 'wasm', recipe: setup.recipe, model: joint, batchSize: model.batch, datasets: 1 })
      : undefined;
  const step = async () => {
    const target = { optimizer, variables, kernels: [], l2: 0 };
    if (parallel) await parallel.step([batch], model.batch, target, joint.paths, 0);
    else await trainStep([batch], model.batch, target);
  };
  const [warmup, timed] = model.batches.wasm;
  // A new worker starts on V8's baseline wasm code and tiers up within a second or two: warm every
  // side that long, as a run's first epoch does, so that the timed steps are the run's steady state.
  const warmUntil = performance.now() + WARM_UP_MS;
  for (let i = 0; i < warmup || performance.now() < warmUntil; i++) await step();
  const started = performance.now();
  for (let i = 0; i < timed; i++) await step();
  const seconds = (performance.now() - started) / 1000;
  await parallel?.close();
  tf.dispose([batch.x, batch.labels]);
  joint.model.dispose();
  optimizer.dispose();
  return (timed * model.batch) / seconds;
}

/** Thread counts past this machine's, for the modelled columns. */
const MODELLED = [4, 8, 16];

/**
 * Speed-up on `threads` threads, modelled from one-thread measurements: each thread's share of the
 * batch timed alone on one thread, plus the hand-over cost measured on this machine's threads
 * (what the measured multi-thread step took beyond its share) — as a range, from that cost growing
 * with every extra thread (the main thread sums one more shard, waits on one more worker) to it
 * staying as measured. It leaves out what more cores would contend for (memory bandwidth, caches).
 */
function modelledSpeedUp(oneThreadStepMs: number, shareStepMs: number, handOverMs: number, threads: number): [number, number] {
  // Lower bound: the whole hand-over grows with each extra thread; upper: it stays as measured on two.
  return [oneThreadStepMs / (shareStepMs + handOverMs * (threads - 1)), oneThreadStepMs / (shareStepMs + handOverMs)];
}

const spread = (values: readonly number[]) => `${whole(median(values))} (${whole(Math.min(...values))}–${whole(Math.max(...values))})`;

export async function threadScaling(): Promise<BenchSection> {
  await selectBackend('wasm');
  const torchMissing = ensureTorch();
  const threadCounts = CORES > 1 ? [1, CORES] : [1];
  const rows: string[][] = [];
  const goals: boolean[] = [];
  const singleGoals: boolean[] = [];
  for (const model of MODELS.filter((candidate) => LAYERS[candidate.name] !== undefined)) {
    const setup = setupOf(model);
    const jointrain = new Map<number, number[]>(threadCounts.map((threads) => [threads, []]));
    const torch = new Map<number, number[]>(threadCounts.map((threads) => [threads, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const threads of threadCounts) {
        console.log(`   (${model.name}) round ${round}: jointrain, ${threads} ${threads === 1 ? 'thread' : 'threads'} …`);
        jointrain.get(threads)?.push(await jointrainSamplesPerSecond(setup, threads));
        if (torchMissing === undefined) {
          console.log(`   (${model.name}) round ${round}: PyTorch, ${threads} ${threads === 1 ? 'thread' : 'threads'} …`);
          torch.get(threads)?.push(torchSamplesPerSecond(model, threads).samplesPerSecond);
        }
      }
    }
    // The model: one thread on each share of the batch, and the hand-over cost measured here.
    const stepMs = (samplesPerSecond: number, batch: number) => (1000 * batch) / samplesPerSecond;
    const oneStep = stepMs(median(jointrain.get(1) ?? []), model.batch);
    const shareOf = (threads: number) => Math.max(1, Math.ceil(model.batch / threads));
    let handOver = 0;
    if (CORES > 1) {
      const share = stepMs(await jointrainSamplesPerSecond(setup, 1, shareOf(CORES)), shareOf(CORES));
      handOver = Math.max(0, (stepMs(median(jointrain.get(CORES) ?? []), model.batch) - share) / (CORES - 1));
    }
    const modelled: string[] = [];
    for (const threads of MODELLED) {
      const share = stepMs(await jointrainSamplesPerSecond(setup, 1, shareOf(threads)), shareOf(threads));
      const [low, high] = modelledSpeedUp(oneStep, share, handOver, threads);
      modelled.push(`${fixed(low, 2)}–${fixed(high, 2)}×`);
    }
    const joint = setup.build();
    const auto = planThreads({
      requested: 'auto',
      cores: CORES,
      backend: 'wasm',
      batchSize: model.batch,
      multiplyAdds: multiplyAddsPerSample(joint.model),
      batchWideLayers: [],
      balancer: 'static',
      balancerVariables: false,
    });
    joint.model.dispose();
    const one = median(jointrain.get(1) ?? []);
    const all = median(jointrain.get(CORES) ?? []);
    const torchAll = median(torch.get(CORES) ?? []);
    const ratio = torchMissing === undefined ? all / torchAll : undefined;
    if (ratio !== undefined && ALL_CORES_MODELS.has(model.name)) goals.push(ratio >= ALL_CORES_GOAL);
    if (torchMissing === undefined) singleGoals.push(one / median(torch.get(1) ?? []) >= SINGLE_THREAD_GOAL);
    rows.push([
      model.title,
      spread(jointrain.get(1) ?? []),
      CORES > 1 ? spread(jointrain.get(CORES) ?? []) : '—',
      CORES > 1 ? `${fixed(all / one, 2)}×` : '—',
      `${auto.used}`,
      `${fixed(handOver, 2)} ms`,
      modelled.join(' / '),
      torchMissing === undefined ? spread(torch.get(1) ?? []) : '—',
      torchMissing === undefined
        ? `${ratioAgainst(one / median(torch.get(1) ?? []), SINGLE_THREAD_GOAL)} — ${verdict(one / median(torch.get(1) ?? []) >= SINGLE_THREAD_GOAL, `≥ ${SINGLE_THREAD_GOAL}×`)}`
        : '—',
      torchMissing === undefined && CORES > 1 ? spread(torch.get(CORES) ?? []) : '—',
      ratio === undefined
        ? '—'
        : `${ratioAgainst(ratio, ALL_CORES_GOAL)}${ALL_CORES_MODELS.has(model.name) ? ` — ${verdict(ratio >= ALL_CORES_GOAL, `≥ ${ALL_CORES_GOAL}×`)}` : ''}`,
    ]);
  }
  return {
    title: '9. Threads: jointrain on every core against PyTorch',
    body: [
      `jointrain's training step (wasm, Adam, one random batch repeated, as in benchmark 4) on 1 thread and on all ${CORES} cores ` +
        `(\`training.threads: ${CORES}\`: the batch split across worker threads, gradients summed in shared memory), and PyTorch pinned to as many threads; ` +
        `samples/s as the median of ${ROUNDS} alternating rounds with their range. "auto" is what \`threads: auto\` uses for the model and its batch on this machine. ` +
        `This machine has ${CORES} cores, so more threads are **modelled, not measured**: each thread's share of the batch timed alone on one thread, plus the hand-over cost measured here ` +
        `(what the ${CORES}-thread step took beyond one share, per extra thread), as a range: from that cost growing with every extra thread to it staying as measured here. ` +
        `It leaves out what more cores contend for (memory bandwidth, caches).`,
      '',
      ...table(
        [
          'model',
          'jointrain 1 thread',
          `jointrain ${CORES} threads`,
          'scaling',
          'auto',
          'hand-over per extra thread',
          `modelled ${MODELLED.join(' / ')} threads`,
          'PyTorch 1 thread',
          'jointrain / PyTorch, 1 thread each',
          `PyTorch ${CORES} threads`,
          `jointrain / PyTorch, ${CORES} threads each`,
        ],
        rows,
      ),
      '',
      `- On one thread, jointrain's own step reaches ≥ ${SINGLE_THREAD_GOAL}× single-thread PyTorch on **${singleGoals.filter(Boolean).length} of ${singleGoals.length}** models (benchmark 4 judges tfjs's \`trainOnBatch\` on all eight).`,
      `- With every core, jointrain reaches ≥ ${ALL_CORES_GOAL}× PyTorch on as many threads on **${goals.filter(Boolean).length} of ${goals.length}** of (a)–(c), (e).`,
      ...(torchMissing !== undefined ? [`- PyTorch columns skipped: ${torchMissing}`] : []),
    ],
  };
}
