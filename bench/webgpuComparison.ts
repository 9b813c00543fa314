/**
 * Benchmark 11, WebGPU: the reference models of benchmark 4 trained on `webgpu` (through Dawn, on
 * whatever adapter this machine offers) and on `wasm`, alternated for a few rounds in this run.
 * On a machine without a GPU the adapter is a software rasteriser (Mesa's llvmpipe): the numbers
 * then say what the GPU code path costs on a CPU, not what a GPU gives, and the section says so.
 */
import * as tf from '@tensorflow/tfjs';
import { adapterWords } from '../src/shared/runs/backendWords';
import type { BackendReport } from '../src/shared/runs/format';
import { selectBackend } from '../src/trainer/backend/selectBackend';
import { compiled, MODELS, type ReferenceModel } from './backendComparison';
import { table, type BenchSection } from './markdown';
import { fixed, median, whole } from './stats';

const ROUNDS = 2;
/** webgpu's first step compiles its shaders (seconds on llvmpipe): two warm-up steps keep that out. */
const WEBGPU_WARMUP = 2;

async function samplesPerSecond(backend: 'wasm' | 'webgpu', model: ReferenceModel, [warmup, timed]: [number, number]): Promise<number> {
  await selectBackend(backend);
  const { network, x, y } = compiled(model);
  try {
    for (let i = 0; i < warmup; i++) await network.trainOnBatch(x, y);
    const started = performance.now();
    for (let i = 0; i < timed; i++) await network.trainOnBatch(x, y);
    return (timed * model.batch) / ((performance.now() - started) / 1000);
  } finally {
    tf.dispose([x, y]);
    network.dispose();
  }
}

async function openWebGpu(): Promise<BackendReport | string> {
  try {
    return await selectBackend('webgpu');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export async function webgpuComparison(): Promise<BenchSection> {
  const title = '11. WebGPU against wasm';
  const opened = await openWebGpu();
  if (typeof opened === 'string') return { title, body: [`webgpu could not start here, so nothing was measured: ${opened}`] };
  const adapter = opened.adapter;
  const device = adapter === undefined ? 'an adapter Dawn did not describe' : adapterWords(adapter);
  const rows: string[][] = [];
  for (const model of MODELS) {
    const wasm: number[] = [];
    const webgpu: number[] = [];
    let failure: string | undefined;
    // About as many webgpu steps as wasm ones take time for, never fewer than three.
    const timed = Math.max(3, Math.round(model.batches.wasm[1] / 3));
    for (let round = 1; round <= ROUNDS && failure === undefined; round++) {
      console.log(`   (${model.name}) round ${round}: wasm …`);
      wasm.push(await samplesPerSecond('wasm', model, model.batches.wasm));
      console.log(`   (${model.name}) round ${round}: webgpu …`);
      try {
        webgpu.push(await samplesPerSecond('webgpu', model, [WEBGPU_WARMUP, timed]));
      } catch (error) {
        failure = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      }
    }
    rows.push([
      model.title,
      whole(median(wasm)),
      failure === undefined ? whole(median(webgpu)) : `failed: ${failure}`,
      failure === undefined ? `${fixed(median(webgpu) / median(wasm), 2)}×` : '—',
    ]);
  }
  return {
    title,
    body: [
      `Training steps as in benchmark 4 (Adam, one random batch repeated, tfjs's \`trainOnBatch\`), samples/s as the median of ${ROUNDS} rounds, ` +
        `each round measuring wasm and then webgpu on **${device}**${adapter?.software ? ' — a **software** adapter: a CPU rasteriser, so these webgpu numbers say what the GPU code path costs on this CPU, not what a GPU gives' : ''}. ` +
        `webgpu's first ${WEBGPU_WARMUP} steps per model (shader compilation) are not timed.`,
      '',
      ...table(['model', 'wasm samples/s', 'webgpu samples/s', 'webgpu / wasm'], rows),
    ],
  };
}
