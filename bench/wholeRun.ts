/**
 * Benchmark 8, the whole run: `jointrain run` as a user starts it (a new Node process, the CLI,
 * PNG decoding, the training loop with validation, checkpoints and the run folder each epoch)
 * against torch_whole_run.py, the same run written in PyTorch (PIL decoding, the same split,
 * model, batches, optimizer, a validation pass and a checkpoint per epoch). Both train the digits
 * CNN of benchmark 4's model (b) for 3 epochs on the 4,000 clean digits. jointrain runs on wasm
 * (one thread); PyTorch on one thread and on every core. jointrain is measured with a cold decode
 * cache (its first run on the data) and a warm one (every later run). Rounds alternate the sides.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTorch, PYTHON, torchEnv } from './backendComparison';
import { table, verdict, type BenchSection } from './markdown';
import { fixed, median, whole } from './stats';
import { freshWorkDir } from './workDir';

const ROUNDS = 3;
const EPOCHS = 3;
const CLI = path.join(__dirname, '..', 'bin', 'jointrain.js');
const TORCH_SCRIPT = path.join(__dirname, 'torch_whole_run.py');
/** Issue 13's goal for whole training: at least half of single-thread PyTorch's speed. */
const GOAL = 0.5;

/** One whole run: wall-clock seconds of the process, and its parts as the run itself timed them. */
interface WholeRun {
  totalS: number;
  dataS: number;
  trainS: number;
  trainSamples: number;
  valAccuracy: number;
  /** Threads jointrain's steps ran on (run.json); PyTorch's runs leave it out. */
  threads?: number;
}

function experimentText(imagesDir: string, threads: 'auto' | 1): string {
  return `version: 1
name: whole-run
datasets:
  - name: digits
    type: images
    path: ${imagesDir.split(path.sep).join('/')}
    image: { size: [28, 28], channels: 1, scale: unit }
    validation: { split: 0.2 }
model:
  stems:
    image:
      layers:
        - { type: conv2d, filters: 16, kernel_size: 3, padding: same, activation: relu }
        - { type: max_pooling2d, pool_size: 2 }
        - { type: conv2d, filters: 32, kernel_size: 3, padding: same, activation: relu }
        - { type: max_pooling2d, pool_size: 2 }
        - { type: flatten }
        - { type: dense, units: 64, activation: relu }
  heads:
    digit: { task: classification }
training:
  epochs: ${EPOCHS}
  batch_size: 64
  optimizer: { type: adam, learning_rate: 0.001 }
  seed: 7
  backend: wasm
  threads: ${threads}
`;
}

function jointrainRun(experiment: string, runsDir: string, cacheDir: string): WholeRun {
  const started = performance.now();
  const run = spawnSync(process.execPath, [CLI, 'run', experiment, '--runs-dir', runsDir, '--cache-dir', cacheDir], { encoding: 'utf8' });
  const totalS = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`jointrain run failed: ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
  const runDir = /run completed: (.+)$/m.exec(run.stdout)?.[1]?.trim();
  if (runDir === undefined) throw new Error('jointrain run did not say where its run folder is');
  const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as {
    timings: { dataMs: number; trainMs: number };
    backend?: { threads?: { used: number } };
    datasets: Array<{ train: { size: number } }>;
    epochs: { completed: number };
  };
  const epochs = fs
    .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.includes('"kind":"epoch"'))
    .map((line) => JSON.parse(line) as { datasets: Record<string, { valAccuracy?: number }> });
  return {
    totalS,
    dataS: record.timings.dataMs / 1000,
    trainS: record.timings.trainMs / 1000,
    trainSamples: (record.datasets[0]?.train.size ?? 0) * record.epochs.completed,
    valAccuracy: epochs.at(-1)?.datasets.digits?.valAccuracy ?? Number.NaN,
    threads: record.backend?.threads?.used ?? 1,
  };
}

function torchRun(imagesDir: string, threads: number, checkpointDir: string): WholeRun {
  const started = performance.now();
  const run = spawnSync(PYTHON, [TORCH_SCRIPT, imagesDir, String(EPOCHS), String(threads), checkpointDir], {
    encoding: 'utf8',
    env: { ...process.env, ...torchEnv(threads) },
  });
  const totalS = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`the PyTorch run failed: ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
  const result = JSON.parse(run.stdout) as { load_s: number; train_s: number; train_samples: number; val_accuracy: number };
  return { totalS, dataS: result.load_s, trainS: result.train_s, trainSamples: result.train_samples, valAccuracy: result.val_accuracy };
}

export function wholeRun(imagesDir: string): BenchSection {
  const title = '8. Whole run: `jointrain run` against the same run in PyTorch';
  const torchMissing = ensureTorch();
  if (torchMissing !== undefined) return { title, body: [`Skipped: ${torchMissing}`] };
  const work = freshWorkDir('whole-run');
  const experiment = path.join(work, 'cnn.jointrain.yaml');
  fs.writeFileSync(experiment, experimentText(path.relative(work, imagesDir), 1));
  const everyCore = path.join(work, 'cnn-every-core.jointrain.yaml');
  fs.writeFileSync(everyCore, experimentText(path.relative(work, imagesDir), 'auto'));
  const cores = os.availableParallelism();
  const sides: Record<string, WholeRun[]> = { cold: [], warm: [], auto: [], torch1: [], torchAll: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`   round ${round}: jointrain, cold cache …`);
    const cacheDir = freshWorkDir('whole-run', 'cache');
    sides.cold?.push(jointrainRun(experiment, freshWorkDir('whole-run', 'runs'), cacheDir));
    console.log(`   round ${round}: jointrain, warm cache …`);
    sides.warm?.push(jointrainRun(experiment, freshWorkDir('whole-run', 'runs'), cacheDir));
    console.log(`   round ${round}: jointrain, warm cache, threads: auto …`);
    sides.auto?.push(jointrainRun(everyCore, freshWorkDir('whole-run', 'runs'), cacheDir));
    console.log(`   round ${round}: PyTorch, 1 thread …`);
    sides.torch1?.push(torchRun(imagesDir, 1, freshWorkDir('whole-run', 'torch')));
    console.log(`   round ${round}: PyTorch, ${cores} threads …`);
    sides.torchAll?.push(torchRun(imagesDir, cores, freshWorkDir('whole-run', 'torch')));
  }
  const summary = (runs: WholeRun[]) => ({
    totalS: median(runs.map((r) => r.totalS)),
    dataS: median(runs.map((r) => r.dataS)),
    trainS: median(runs.map((r) => r.trainS)),
    rate: median(runs.map((r) => r.trainSamples / r.trainS)),
    accuracy: median(runs.map((r) => r.valAccuracy)),
    spread: `${fixed(Math.min(...runs.map((r) => r.totalS)), 2)}–${fixed(Math.max(...runs.map((r) => r.totalS)), 2)}`,
  });
  const [cold, warm, auto, torch1, torchAll] = [sides.cold, sides.warm, sides.auto, sides.torch1, sides.torchAll].map((runs) => summary(runs ?? []));
  if (!cold || !warm || !auto || !torch1 || !torchAll) throw new Error('a side of the whole run has no rounds');
  const autoThreads = sides.auto?.[0]?.threads ?? 1;
  const row = (label: string, s: typeof cold) => [
    label,
    `${fixed(s.totalS, 2)} (${s.spread})`,
    fixed(s.dataS, 2),
    fixed(s.trainS, 2),
    whole(s.rate),
    `${fixed(s.accuracy * 100, 1)}%`,
  ];
  const wholeRatio = torch1.totalS / cold.totalS;
  const trainRatio = cold.rate / torch1.rate;
  return {
    title,
    body: [
      `The digits CNN of benchmark 4's model (b), ${EPOCHS} epochs, jointrain on one thread (\`threads: 1\`) unless the row says otherwise, batch 64, Adam 1e-3, on ${whole(4000)} clean 28×28 digits (80% trained, 20% validated after every epoch), a checkpoint per epoch; ` +
        `each side a new process, timed from its start to its exit, median of ${ROUNDS} alternating rounds (range of the wall-clock time in brackets). ` +
        `"Data" is what each run reports for reading and decoding the PNGs (jointrain: its decode cache, cold or warm; PyTorch: PIL, and the import of torch), "training" the epochs with their validation and checkpoints.`,
      '',
      ...table(
        ['run', 'wall-clock s', 'data s', 'training s', 'training samples/s', 'validation accuracy'],
        [
          row('`jointrain run`, wasm, cold decode cache', cold),
          row('`jointrain run`, wasm, warm decode cache', warm),
          row(`\`jointrain run\`, wasm, warm decode cache, \`threads: auto\` (${autoThreads} ${autoThreads === 1 ? 'thread' : 'threads'})`, auto),
          row('PyTorch, 1 thread', torch1),
          row(`PyTorch, ${cores} threads`, torchAll),
        ],
      ),
      '',
      `- whole run, PyTorch 1 thread / jointrain (cold): **${fixed(wholeRatio, 2)}×** the speed; training alone **${fixed(trainRatio, 2)}×** — ${verdict(trainRatio >= GOAL, `training ≥ ${GOAL}× single-thread PyTorch`)}.`,
      `- jointrain on one thread (\`threads: 1\`) against PyTorch on all ${cores} cores: whole run ${fixed(torchAll.totalS / cold.totalS, 2)}×, training ${fixed(cold.rate / torchAll.rate, 2)}×.`,
      `- jointrain with \`threads: auto\` (${autoThreads} here) against PyTorch on all ${cores} cores: whole run ${fixed(torchAll.totalS / auto.totalS, 2)}×, training ${fixed(auto.rate / torchAll.rate, 2)}×; against itself on one thread (warm cache), training ${fixed(auto.rate / warm.rate, 2)}×.`,
      '- The models start from different random weights (Glorot in tfjs, Kaiming-uniform in PyTorch), so validation accuracies agree only roughly; they show that both runs learn.',
    ],
  };
}
