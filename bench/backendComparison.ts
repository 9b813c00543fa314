/**
 * Benchmark 4, backends: the reference CNN and MLP of issue 5 trained with Adam on random data,
 * samples/s on tfjs `cpu` and `wasm` (with jointrain's gradient kernels) and PyTorch on one CPU
 * thread, all in this run. The cpu backend is ~100× slower, so it gets only a few batches; the
 * others get enough for a stable rate. Also a per-kernel profile of one wasm CNN step.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { selectBackend } from '../src/trainer/backend/selectBackend';
import { table, verdict, type BenchSection } from './markdown';
import { fixed, percent, whole } from './stats';

interface ReferenceModel {
  name: 'cnn' | 'mlp';
  title: string;
  batch: number;
  input: number[];
  build(): tf.Sequential;
  /** Warm-up and timed batches per backend. */
  batches: Record<'cpu' | 'wasm' | 'torch', [number, number]>;
}

const MODELS: ReferenceModel[] = [
  {
    name: 'cnn',
    title: '(a) CNN conv16 3×3 same → maxpool 2 → conv32 3×3 stride 2 → dense10 on 32×32×3, batch 64',
    batch: 64,
    input: [32, 32, 3],
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    batches: { cpu: [1, 2], wasm: [3, 30], torch: [5, 60] },
  },
  {
    name: 'mlp',
    title: '(b) MLP 784-256-128-10, batch 128',
    batch: 128,
    input: [784],
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
          tf.layers.dense({ units: 128, activation: 'relu' }),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    batches: { cpu: [2, 8], wasm: [5, 60], torch: [5, 100] },
  },
];

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = path.join(__dirname, 'torch_reference.py');
const WASM_OVER_CPU_GOAL = 100;
const WASM_OVER_TORCH_GOAL = 0.5;

async function tfjsSamplesPerSecond(backend: 'cpu' | 'wasm', model: ReferenceModel): Promise<number> {
  await selectBackend(backend);
  const network = model.build();
  network.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([model.batch, ...model.input]);
  const y = tf.oneHot(tf.randomUniform([model.batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const [warmup, timed] = model.batches[backend];
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
  const network = model.build();
  network.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([model.batch, ...model.input]);
  const y = tf.oneHot(tf.randomUniform([model.batch], 0, 10, 'int32') as tf.Tensor1D, 10);
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

type TorchResult = { samplesPerSecond: number; torch: string } | { note: string };

function hasTorch(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Installs Debian's python3-torch when missing and this process may (root, apt-get present). */
function ensureTorch(): string | undefined {
  if (hasTorch()) return undefined;
  if (process.getuid?.() !== 0) return `PyTorch is not installed and the bench is not root: run \`apt-get install -y python3-torch\`.`;
  console.log('   installing python3-torch with apt-get (once) …');
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch'], { stdio: 'ignore' });
  if (install.status !== 0 || !hasTorch()) return 'PyTorch is not installed and `apt-get install -y python3-torch` failed (no package source?).';
  return undefined;
}

function torchSamplesPerSecond(model: ReferenceModel): TorchResult {
  const [warmup, timed] = model.batches.torch;
  const run = spawnSync(PYTHON, [TORCH_SCRIPT, model.name, String(warmup), String(timed)], { encoding: 'utf8' });
  if (run.status !== 0) return { note: `PyTorch run failed: ${run.stderr.trim().split('\n').at(-1) ?? ''}` };
  return JSON.parse(run.stdout) as { samplesPerSecond: number; torch: string };
}

export async function backendComparison(): Promise<BenchSection> {
  const torchMissing = ensureTorch();
  const rows: string[][] = [];
  const verdicts: string[] = [];
  let torchVersion = '';
  for (const model of MODELS) {
    console.log(`   ${model.name}: cpu …`);
    const cpu = await tfjsSamplesPerSecond('cpu', model);
    console.log(`   ${model.name}: wasm …`);
    const wasm = await tfjsSamplesPerSecond('wasm', model);
    const torch: TorchResult = torchMissing === undefined ? torchSamplesPerSecond(model) : { note: torchMissing };
    const torchRate = 'samplesPerSecond' in torch ? torch.samplesPerSecond : undefined;
    if ('torch' in torch) torchVersion = torch.torch;
    rows.push([
      model.title,
      whole(cpu),
      whole(wasm),
      torchRate === undefined ? '—' : whole(torchRate),
      `${fixed(wasm / cpu, 0)}×`,
      torchRate === undefined ? '—' : `${fixed(wasm / torchRate, 2)}×`,
    ]);
    if (model.name === 'cnn') verdicts.push(`wasm / cpu on (a): **${fixed(wasm / cpu, 0)}×** — ${verdict(wasm / cpu >= WASM_OVER_CPU_GOAL, `≥ ${WASM_OVER_CPU_GOAL}×`)}.`);
    if (torchRate !== undefined) {
      verdicts.push(`wasm / PyTorch on (${model.name === 'cnn' ? 'a' : 'b'}): **${fixed(wasm / torchRate, 2)}×** — ${verdict(wasm / torchRate >= WASM_OVER_TORCH_GOAL, `≥ ${WASM_OVER_TORCH_GOAL}×`)}.`);
    } else if ('note' in torch) {
      verdicts.push(`PyTorch column skipped: ${torch.note}`);
    }
  }
  const profile = await wasmKernelProfile(MODELS[0] as ReferenceModel);
  const total = profile.reduce((sum, [, ms]) => sum + ms, 0);
  const counts = (model: ReferenceModel) =>
    `${model.name}: cpu ${model.batches.cpu[0]}+${model.batches.cpu[1]}, wasm ${model.batches.wasm[0]}+${model.batches.wasm[1]}, PyTorch ${model.batches.torch[0]}+${model.batches.torch[1]}`;
  return {
    title: '4. Backends: cpu, wasm and PyTorch',
    body: [
      `Adam (lr 1e-3), softmax cross-entropy, one random batch repeated; tfjs ${tf.version.tfjs} through \`selectBackend\` (wasm with jointrain's gradient kernels, one thread under Node); ` +
        `${torchVersion === '' ? 'PyTorch' : `PyTorch ${torchVersion}`} with \`torch.set_num_threads(1)\`. Warm-up + timed batches — ${MODELS.map(counts).join('; ')}.`,
      '',
      ...table(['model', 'cpu samples/s', 'wasm samples/s', 'PyTorch samples/s', 'wasm / cpu', 'wasm / PyTorch'], rows),
      '',
      ...verdicts.map((line) => `- ${line}`),
      '',
      `Where one wasm training step of (a) spends its kernel time (${fixed(total, 1)} ms in all, \`tf.profile\`):`,
      '',
      ...table(
        ['kernel', 'ms', 'share'],
        profile.slice(0, 8).map(([name, ms]) => [name, fixed(ms, 2), percent(ms / total)]),
      ),
    ],
  };
}
