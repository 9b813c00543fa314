/**
 * Benchmark 4, backends: eight common models trained with Adam on random data — samples/s on tfjs
 * `wasm` (with jointrain's gradient kernels) and on PyTorch pinned to one thread, alternated for
 * several rounds in this run, medians and spread — plus wasm against tfjs `cpu` on the first model,
 * and a per-kernel profile of one wasm step.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import os from 'node:os';
import { selectBackend } from '../src/trainer/backend/selectBackend';
import { createOptimizer } from '../src/trainer/loop/optimizer';
import { table, verdict, type BenchSection } from './markdown';
import { fixed, median, percent, ratioAgainst, whole } from './stats';

export interface ReferenceModel {
  /** The letter of issue 13's table, and torch_reference.py's name for the same model. */
  name: 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h';
  title: string;
  batch: number;
  input: number[];
  classes: number;
  /** Token models: the input holds integer ids below this. */
  vocabulary?: number;
  layers(): tf.layers.Layer[];
  /** Warm-up and timed batches per side and round: about a second or two of work each. */
  batches: Record<'wasm' | 'torch', [number, number]>;
}

const { conv2d, maxPooling2d, separableConv2d, flatten, dense, embedding, lstm, globalAveragePooling1d } = tf.layers;

export const MODELS: ReferenceModel[] = [
  {
    name: 'a',
    title: '(a) bench CNN: conv16 3×3 same → pool → conv32 3×3 s2 → dense10, 32×32×3, b64',
    batch: 64,
    input: [32, 32, 3],
    classes: 10,
    layers: () => [
      conv2d({ inputShape: [32, 32, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      flatten(),
      dense({ units: 10, activation: 'softmax' }),
    ],
    batches: { wasm: [3, 30], torch: [5, 80] },
  },
  {
    name: 'b',
    title: '(b) digits CNN: conv16 → pool → conv32 → pool → dense64 → dense10, 28×28×1, b64',
    batch: 64,
    input: [28, 28, 1],
    classes: 10,
    layers: () => [
      conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 64, activation: 'relu' }),
      dense({ units: 10, activation: 'softmax' }),
    ],
    batches: { wasm: [3, 30], torch: [5, 80] },
  },
  {
    name: 'c',
    title: '(c) LeNet-5-like: conv6 5×5 same → pool → conv16 5×5 → pool → 120 → 84 → 10, 28×28×1, b64',
    batch: 64,
    input: [28, 28, 1],
    classes: 10,
    layers: () => [
      conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 120, activation: 'relu' }),
      dense({ units: 84, activation: 'relu' }),
      dense({ units: 10, activation: 'softmax' }),
    ],
    batches: { wasm: [3, 40], torch: [5, 150] },
  },
  {
    name: 'd',
    title: '(d) conv16 → separable conv32 → pool → dense10, 32×32×3, b64',
    batch: 64,
    input: [32, 32, 3],
    classes: 10,
    layers: () => [
      conv2d({ inputShape: [32, 32, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      separableConv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 10, activation: 'softmax' }),
    ],
    batches: { wasm: [2, 12], torch: [3, 30] },
  },
  {
    name: 'e',
    title: '(e) MLP 784-256-128-10, b128',
    batch: 128,
    input: [784],
    classes: 10,
    layers: () => [
      dense({ inputShape: [784], units: 256, activation: 'relu' }),
      dense({ units: 128, activation: 'relu' }),
      dense({ units: 10, activation: 'softmax' }),
    ],
    batches: { wasm: [5, 50], torch: [10, 400] },
  },
  {
    name: 'f',
    title: '(f) tabular MLP 20-64-64-2, b256',
    batch: 256,
    input: [20],
    classes: 2,
    layers: () => [
      dense({ inputShape: [20], units: 64, activation: 'relu' }),
      dense({ units: 64, activation: 'relu' }),
      dense({ units: 2, activation: 'softmax' }),
    ],
    batches: { wasm: [10, 300], torch: [20, 1500] },
  },
  {
    name: 'g',
    title: '(g) LSTM text classifier: embedding 1000→32 → LSTM 64 → dense 2, 40 tokens, b64',
    batch: 64,
    input: [40],
    classes: 2,
    vocabulary: 1000,
    layers: () => [embedding({ inputDim: 1000, outputDim: 32, inputLength: 40 }), lstm({ units: 64 }), dense({ units: 2, activation: 'softmax' })],
    batches: { wasm: [2, 10], torch: [3, 40] },
  },
  {
    name: 'h',
    title: '(h) bag of embeddings: embedding 5000→64 → mean → dense 64 → dense 4, 50 tokens, b128',
    batch: 128,
    input: [50],
    classes: 4,
    vocabulary: 5000,
    layers: () => [
      embedding({ inputDim: 5000, outputDim: 64, inputLength: 50 }),
      globalAveragePooling1d(),
      dense({ units: 64, activation: 'relu' }),
      dense({ units: 4, activation: 'softmax' }),
    ],
    batches: { wasm: [5, 60], torch: [10, 300] },
  },
];

export const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = path.join(__dirname, 'torch_reference.py');
const ROUNDS = 3;
/** Every core of this machine: the thread count of issue 13's second goal. */
const CORES = os.availableParallelism();
/** A true N-thread peer: torch.set_num_threads(N) alone still lets OpenBLAS start a thread per core. */
export const torchEnv = (threads: number) => ({ OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) });
const WASM_OVER_CPU_GOAL = 100;
const WASM_OVER_TORCH_GOAL = 0.5;
/** Issue 13: with every core, at least PyTorch's speed on as many threads, on (a)–(c) and (e). */
export const ALL_CORES_GOAL = 1;
export const ALL_CORES_MODELS: ReadonlySet<ReferenceModel['name']> = new Set(['a', 'b', 'c', 'e']);

export function compiled(model: ReferenceModel): { network: tf.Sequential; x: tf.Tensor; y: tf.Tensor } {
  const network = tf.sequential({ layers: model.layers() });
  // The optimizer a jointrain run uses (on wasm, Adam's update fused into one SIMD kernel per variable).
  network.compile({ optimizer: createOptimizer({ type: 'adam', learning_rate: 1e-3, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
  const shape = [model.batch, ...model.input];
  const x = model.vocabulary === undefined ? tf.randomUniform(shape) : tf.randomUniform(shape, 0, model.vocabulary, 'int32');
  const y = tf.oneHot(tf.randomUniform([model.batch], 0, model.classes, 'int32') as tf.Tensor1D, model.classes);
  return { network, x, y };
}

async function tfjsSamplesPerSecond(backend: 'cpu' | 'wasm', model: ReferenceModel, [warmup, timed]: [number, number]): Promise<number> {
  await selectBackend(backend);
  const { network, x, y } = compiled(model);
  for (let i = 0; i < warmup; i++) await network.trainOnBatch(x, y);
  const started = performance.now();
  for (let i = 0; i < timed; i++) await network.trainOnBatch(x, y);
  const seconds = (performance.now() - started) / 1000;
  tf.dispose([x, y]);
  network.dispose();
  return (timed * model.batch) / seconds;
}

/** Milliseconds per kernel of one training step on wasm, largest first. */
async function wasmKernelProfile(model: ReferenceModel): Promise<Array<[string, number]>> {
  await selectBackend('wasm');
  const { network, x, y } = compiled(model);
  await network.trainOnBatch(x, y);
  const profile = await tf.profile(async () => {
    await network.trainOnBatch(x, y);
  });
  const byKernel = new Map<string, number>();
  for (const kernel of profile.kernels) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    byKernel.set(kernel.name, (byKernel.get(kernel.name) ?? 0) + ms);
  }
  tf.dispose([x, y]);
  network.dispose();
  return [...byKernel].sort((a, b) => b[1] - a[1]);
}

type TorchRun = { samplesPerSecond: number; torch: string; threads: number; blas: string };

function hasTorch(): boolean {
  // PIL decodes the images of benchmark 8's whole run.
  return spawnSync(PYTHON, ['-c', 'import torch, PIL'], { stdio: 'ignore' }).status === 0;
}

function hasOpenBlas(): boolean {
  return spawnSync('sh', ['-c', 'ls /usr/lib/*/openblas-pthread/libblas.so.3'], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs Debian's python3-torch, and OpenBLAS for it, when missing and this process may (root,
 * apt-get present). Without OpenBLAS, Debian's torch runs on the reference BLAS, ~10× slower on
 * matrix products: a peer nobody would use.
 */
export function ensureTorch(): string | undefined {
  if (hasTorch() && hasOpenBlas()) return undefined;
  if (process.getuid?.() !== 0)
    return `PyTorch, PIL or OpenBLAS is not installed and the bench is not root: run \`apt-get install -y python3-torch python3-pil libopenblas0-pthread\`.`;
  console.log('   installing python3-torch, python3-pil and libopenblas0-pthread with apt-get (once) …');
  const install = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-pil libopenblas0-pthread'],
    {
      stdio: 'ignore',
    },
  );
  if (install.status !== 0 || !hasTorch())
    return 'PyTorch is not installed and `apt-get install -y python3-torch python3-pil libopenblas0-pthread` failed (no package source?).';
  return undefined;
}

export function torchSamplesPerSecond(model: ReferenceModel, threads: number): TorchRun {
  const [warmup, timed] = model.batches.torch;
  const run = spawnSync(PYTHON, [TORCH_SCRIPT, model.name, String(warmup), String(timed), String(threads)], {
    encoding: 'utf8',
    env: { ...process.env, ...torchEnv(threads) },
  });
  if (run.status !== 0) throw new Error(`PyTorch run of (${model.name}) failed: ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
  return JSON.parse(run.stdout) as TorchRun;
}

/** `1,234 (1,200–1,260)`: the median and the spread of the rounds. */
function withSpread(values: readonly number[]): string {
  return `${whole(median(values))} (${whole(Math.min(...values))}–${whole(Math.max(...values))})`;
}

export async function backendComparison(): Promise<BenchSection> {
  const torchMissing = ensureTorch();
  const rows: string[][] = [];
  const verdicts: string[] = [];
  let torchInfo: TorchRun | undefined;
  const ratios: number[] = [];
  const allCoreRatios: number[] = [];
  for (const model of MODELS) {
    const wasm: number[] = [];
    const torch: number[] = [];
    const torchAll: number[] = [];
    // Alternated in one window, so that whatever else the machine does weighs on both sides.
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`   (${model.name}) round ${round}: wasm …`);
      wasm.push(await tfjsSamplesPerSecond('wasm', model, model.batches.wasm));
      if (torchMissing === undefined) {
        console.log(`   (${model.name}) round ${round}: PyTorch …`);
        torchInfo = torchSamplesPerSecond(model, 1);
        torch.push(torchInfo.samplesPerSecond);
        console.log(`   (${model.name}) round ${round}: PyTorch, ${CORES} threads …`);
        torchAll.push(torchSamplesPerSecond(model, CORES).samplesPerSecond);
      }
    }
    const ratio = torch.length ? median(wasm) / median(torch) : undefined;
    const allRatio = torchAll.length ? median(wasm) / median(torchAll) : undefined;
    if (ratio !== undefined) ratios.push(ratio);
    if (allRatio !== undefined && ALL_CORES_MODELS.has(model.name)) allCoreRatios.push(allRatio);
    rows.push([
      model.title,
      withSpread(wasm),
      torch.length ? withSpread(torch) : '—',
      ratio === undefined ? '—' : ratioAgainst(ratio, WASM_OVER_TORCH_GOAL),
      ratio === undefined ? '—' : verdict(ratio >= WASM_OVER_TORCH_GOAL, `≥ ${WASM_OVER_TORCH_GOAL}×`),
      torchAll.length ? withSpread(torchAll) : '—',
      allRatio === undefined ? '—' : ratioAgainst(allRatio, ALL_CORES_GOAL),
      allRatio === undefined || !ALL_CORES_MODELS.has(model.name) ? '—' : verdict(allRatio >= ALL_CORES_GOAL, `≥ ${ALL_CORES_GOAL}×`),
    ]);
  }
  console.log('   (a): cpu …');
  const first = MODELS[0] as ReferenceModel;
  const cpu = await tfjsSamplesPerSecond('cpu', first, [1, 2]);
  const wasmOnA = await tfjsSamplesPerSecond('wasm', first, first.batches.wasm);
  verdicts.push(
    `wasm / cpu on (a): **${fixed(wasmOnA / cpu, 0)}×** (cpu ${whole(cpu)} samples/s) — ${verdict(wasmOnA / cpu >= WASM_OVER_CPU_GOAL, `≥ ${WASM_OVER_CPU_GOAL}×`)}.`,
  );
  if (torchMissing !== undefined) verdicts.push(`PyTorch columns skipped: ${torchMissing}`);
  else {
    verdicts.push(
      `wasm reaches ≥ ${WASM_OVER_TORCH_GOAL}× single-thread PyTorch on **${ratios.filter((r) => r >= WASM_OVER_TORCH_GOAL).length} of ${ratios.length}** models.`,
    );
    verdicts.push(
      `wasm on one core reaches ≥ ${ALL_CORES_GOAL}× PyTorch on all ${CORES} cores on **${allCoreRatios.filter((r) => r >= ALL_CORES_GOAL).length} of ${allCoreRatios.length}** of (a)–(c), (e).`,
    );
  }
  const profile = await wasmKernelProfile(MODELS[1] as ReferenceModel);
  const total = profile.reduce((sum, [, ms]) => sum + ms, 0);
  return {
    title: '4. Backends: cpu, wasm and PyTorch',
    body: [
      `Training steps (Adam, lr 1e-3, softmax cross-entropy, one random batch repeated), samples/s as the median of ${ROUNDS} rounds with their range; ` +
        `each round measures wasm (tfjs ${tf.version.tfjs}, jointrain's gradient and SIMD kernels and fused Adam, one thread: tfjs runs wasm single-threaded under Node) and then PyTorch` +
        `${torchInfo ? ` ${torchInfo.torch} (BLAS: ${torchInfo.blas}) on 1 thread (\`torch.set_num_threads(1)\` with OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1) and on all ${CORES} cores (the same, with ${CORES})` : ''}, alternating, so that load on the machine weighs on all sides. ` +
        `wasm runs on one thread here (tfjs's \`trainOnBatch\`); the second goal (issue 13: with every core, at least PyTorch's speed on as many threads, on (a)–(c) and (e)) is judged with jointrain's own step on every core in benchmark 9, and the columns against PyTorch on ${CORES} threads here show one core against ${CORES}.`,
      '',
      ...table(
        [
          'model',
          'wasm samples/s',
          'PyTorch 1 thread',
          'wasm / PyTorch',
          `goal ≥ ${WASM_OVER_TORCH_GOAL}×`,
          `PyTorch ${CORES} threads`,
          `wasm / PyTorch ${CORES} threads`,
          `goal ≥ ${ALL_CORES_GOAL}× ((a)–(c), (e))`,
        ],
        rows,
      ),
      '',
      ...verdicts.map((line) => `- ${line}`),
      '',
      `Where one wasm training step of (b) spends its kernel time (${fixed(total, 1)} ms in all, \`tf.profile\`):`,
      '',
      ...table(
        ['kernel', 'ms', 'share'],
        profile.slice(0, 10).map(([name, ms]) => [name, fixed(ms, 2), percent(ms / total)]),
      ),
    ],
  };
}
