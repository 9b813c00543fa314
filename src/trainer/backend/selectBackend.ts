/**
 * Picks the fastest TensorFlow.js backend that works here. Native packages are optional
 * dependencies that cannot install offline, so they are required only at run time and every
 * failure is recorded with its reason instead of being thrown at import.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../shared/experiment/schema';
import type { BackendReport, ResolvedBackend } from '../../shared/runs/format';
import { UserError } from '../errors';
import { shareSavedTensors } from './savedTensors';
import { adapterWords } from '../../shared/runs/backendWords';
import { openWebGpu, type GpuAdapter } from './webgpuAdapter';
import { probeWebGpu } from './webgpuProbe';
import { registerWasmGradients, wasmKernelsInUse } from './wasmGradients';
import { missingTrainingKernels } from './trainingKernels';
import { registerWebGpuKernels } from './webgpuKernels';

const ORDER: ResolvedBackend[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

const PACKAGES: Partial<Record<ResolvedBackend, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
};

/** The tfjs backend id each of our names registers. */
const TFJS_IDS: Record<ResolvedBackend, string> = { 'tensorflow-gpu': 'tensorflow', webgpu: 'webgpu', tensorflow: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

export type ModuleLoader = (name: string) => unknown;

export async function selectBackend(requested: BackendName, load: ModuleLoader = require): Promise<BackendReport> {
  // tfjs's own console advice ("install our node backend") says less than the report below, which
  // records why each faster backend was not used; production mode only quiets tfjs's warnings.
  tf.env().set('PROD', true);
  const candidates = requested === 'auto' ? ORDER : [requested];
  const skipped: BackendReport['skipped'] = [];
  // With the trainer's own modules, auto asks a child process first (webgpuProbe.ts); a test's
  // stand-in modules are asked in this process.
  const probe = requested === 'auto' && load === require ? probeInstalledWebGpu : undefined;
  for (const name of candidates) {
    const { failure, fix, adapter, kernels } = await tryBackend(name, load, requested, probe);
    if (failure === undefined) {
      if (name === 'wasm' || name === 'cpu') shareSavedTensors();
      const report: BackendReport = {
        name,
        requested,
        usingGpu: adapter !== undefined ? !adapter.software : isUsingGpu(),
        skipped,
        ...(adapter ? { adapter } : {}),
        ...(kernels ? { kernels } : {}),
      };
      return name === 'wasm' ? { ...report, kernels: wasmKernelsInUse() } : report;
    }
    if (requested !== 'auto') {
      throw new UserError(`backend '${name}' is not available: ${failure}`, fix ?? fixFor(name));
    }
    skipped.push({ name, reason: failure });
  }
  throw new UserError('no TensorFlow.js backend could be started', 'reinstall dependencies with `npm ci`');
}

async function tryBackend(
  name: ResolvedBackend,
  load: ModuleLoader,
  requested: BackendName,
  probe: (() => Promise<GpuAdapter | string>) | undefined,
): Promise<{ failure?: string; fix?: string; adapter?: GpuAdapter; kernels?: string[] }> {
  let adapter: GpuAdapter | undefined;
  if (name === 'webgpu' && probe !== undefined) {
    const probed = await probe();
    if (typeof probed === 'string') return { failure: probed };
    if (probed.software) return { failure: softwareOnly(probed) };
  }
  if (name === 'webgpu') {
    // Dawn first: the tfjs backend registers itself only where navigator.gpu exists.
    let opened: GpuAdapter | string;
    try {
      opened = await openWebGpu(load);
    } catch (error) {
      return { failure: describeLoadFailure('webgpu', error) };
    }
    if (typeof opened === 'string') return { failure: opened };
    if (opened.software && requested === 'auto') return { failure: softwareOnly(opened) };
    adapter = opened;
  }
  const pkg = PACKAGES[name];
  if (pkg !== undefined) {
    try {
      load(pkg);
    } catch (error) {
      return { failure: describeLoadFailure(pkg, error) };
    }
  }
  if (name === 'wasm') registerWasmGradients();
  const kernels = name === 'webgpu' ? registerWebGpuKernels() : undefined;
  if (name === 'webgpu') {
    // Before any data is read: a kernel missing here would only fail the run at its first step.
    const missing = missingTrainingKernels((kernel) => tf.getKernel(kernel, 'webgpu') !== undefined);
    if (missing.length > 0) {
      return { failure: `${pkg} has no kernel for ${missing.join(', ')}, which training uses`, fix: 'use backend: wasm, or auto, which then skips webgpu' };
    }
  }
  try {
    const ok = await tf.setBackend(TFJS_IDS[name]);
    if (!ok) return { failure: `tfjs could not initialise the '${TFJS_IDS[name]}' backend` };
    await tf.ready();
  } catch (error) {
    return { failure: firstLine(error) };
  }
  if (name === 'tensorflow-gpu' && !isUsingGpu()) {
    return { failure: 'the package loaded but TensorFlow sees no GPU device (CUDA driver or libraries missing)' };
  }
  return { ...(adapter ? { adapter } : {}), ...(kernels ? { kernels } : {}) };
}

function softwareOnly(adapter: GpuAdapter): string {
  return `only a software adapter, ${adapterWords(adapter)}: slower than the CPU backends (backend: webgpu uses it)`;
}

function probeInstalledWebGpu(): Promise<GpuAdapter | string> {
  let binding: string;
  try {
    binding = require.resolve('webgpu');
  } catch (error) {
    return Promise.resolve(describeLoadFailure('webgpu', error));
  }
  return probeWebGpu(binding);
}

function describeLoadFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = firstLine(error);
  if (code === 'MODULE_NOT_FOUND' && message.includes(pkg)) return `${pkg} is not installed`;
  const library = /lib(cudart|cublas|cudnn|cufft|curand|cusolver|cusparse|tensorflow)[\w.-]*\.so[\w.]*/.exec(message);
  if (library) {
    return `${pkg} could not load ${library[0]} (tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 on the library path)`;
  }
  return `${pkg} failed to load: ${message}`;
}

function fixFor(name: ResolvedBackend): string {
  const pkg = PACKAGES[name];
  if (name === 'webgpu') return `install it with \`npm i webgpu ${pkg}\` (Dawn needs a Vulkan, Metal or D3D12 driver), or use backend: auto`;
  if (name === 'tensorflow-gpu') return `install it with \`npm i ${pkg}\` on a machine with CUDA 11.2 / cuDNN 8.1, or use backend: auto`;
  if (pkg !== undefined) return `install it with \`npm i ${pkg}\`, or use backend: auto`;
  return 'use backend: auto';
}

function isUsingGpu(): boolean {
  const backend = tf.backend() as { isUsingGpuDevice?: boolean };
  return backend.isUsingGpuDevice === true;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
