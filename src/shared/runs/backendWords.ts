/**
 * How a run's backend and device are named to a user: the CLI's start line, the panel's header and
 * timeline, the status bar and the runs tree all say it with these words, so they never disagree.
 */
import type { BackendReport } from './format';

export type GpuAdapter = NonNullable<BackendReport['adapter']>;
/** What names the device: the webgpu adapter, or tfjs saying its kernels run on a GPU. */
export interface Device {
  adapter?: GpuAdapter;
  usingGpu?: boolean;
}

/** "mesa llvmpipe (LLVM 19.1.7, 256 bits) (software)". */
export function adapterWords(adapter: GpuAdapter): string {
  return `${adapter.vendor} ${adapter.description} (${adapter.software ? 'software' : adapter.architecture})`;
}

/** What follows a backend's name: " on nvidia NVIDIA GeForce RTX 4070 (ada)", " (GPU)", or nothing. */
export function deviceWords(device: Device): string {
  if (device.adapter !== undefined) return ` on ${adapterWords(device.adapter)}`;
  return device.usingGpu === true ? ' (GPU)' : '';
}

/** "webgpu on nvidia NVIDIA GeForce RTX 4070 (ada)", "tensorflow-gpu (GPU)", "wasm". */
export function backendWords(backend: Device & { name: string }): string {
  return `${backend.name}${deviceWords(backend)}`;
}
