/**
 * WebGPU in Node through Dawn (the `webgpu` package, an optional dependency with prebuilt
 * binaries): installs the browser globals tfjs-backend-webgpu expects and asks Dawn for an
 * adapter, describing it so that a run can say which GPU it trained on. A software adapter (a CPU
 * rasteriser such as Mesa's llvmpipe) is slower than the CPU backends: `auto` skips it and says so.
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import type { GpuAdapter } from '../../shared/runs/backendWords';

export type { GpuAdapter };

interface DawnModule {
  create: (options: string[]) => { requestAdapter: (options?: object) => Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}

interface DawnAdapter {
  isFallbackAdapter?: boolean;
  info?: AdapterInfo;
  requestAdapterInfo?: () => Promise<AdapterInfo>;
}

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
}

const SOFTWARE_RASTERISERS = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render/i;

/**
 * A second Dawn instance in one process aborts it (a native assertion) once tfjs's webgpu backend
 * holds the first one's device: a process that trains twice (tests, benchmarks) opens Dawn once.
 */
const opened = new WeakMap<DawnModule, Promise<GpuAdapter | string>>();

/** Installs Dawn as `navigator.gpu` and describes the adapter it offers; a string says why there is none. */
export function openWebGpu(load: (name: string) => unknown): Promise<GpuAdapter | string> {
  const dawn = load('webgpu') as DawnModule;
  if (typeof dawn.create !== 'function') return Promise.resolve('the webgpu package has no create(): not the Dawn binding jointrain expects');
  let opening = opened.get(dawn);
  if (opening === undefined) {
    opening = openDawn(dawn);
    opened.set(dawn, opening);
  }
  return opening;
}

async function openDawn(dawn: DawnModule): Promise<GpuAdapter | string> {
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  // tfjs-backend-webgpu reads navigator.gpu. Node 20 has no navigator; a newer Node's keeps its
  // other fields (hardwareConcurrency, …) and gains gpu.
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing !== undefined) Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return noAdapterReason(process.platform, vulkanDrivers());
  return describeAdapter(adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {}, adapter.isFallbackAdapter === true);
}

/** Where the Vulkan loader looks for drivers (ICD manifests) on Linux, unless VK_DRIVER_FILES or VK_ICD_FILENAMES say otherwise. */
const ICD_FOLDERS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];

/** The Vulkan drivers installed here, by manifest file name: what the loader can offer Dawn. */
export function vulkanDrivers(env: NodeJS.ProcessEnv = process.env, list: (folder: string) => string[] = listFolder): string[] {
  const named = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  if (named !== undefined && named !== '') return named.split(':').map((file) => basename(file));
  return ICD_FOLDERS.flatMap((folder) => list(folder).filter((name) => name.endsWith('.json')));
}

function listFolder(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/**
 * Why Dawn offered no adapter, with what to install. On a Linux box (a Remote-SSH host, typically)
 * Dawn needs the Vulkan loader (libvulkan1) and the GPU driver's Vulkan part, its ICD manifest.
 */
export function noAdapterReason(platform: NodeJS.Platform, drivers: readonly string[]): string {
  const none = 'Dawn found no GPU adapter';
  if (platform !== 'linux') return `${none} (no Vulkan, Metal or D3D12 driver it can use)`;
  if (drivers.length === 0) {
    return `${none}: no Vulkan driver is installed (no ICD manifest in ${ICD_FOLDERS.join(', ')}); install the GPU driver's Vulkan support and the Vulkan loader (libvulkan1) — NVIDIA's driver ships nvidia_icd.json`;
  }
  return `${none}, although Vulkan drivers are installed (${drivers.join(', ')}): none of them found a GPU it drives, the Vulkan loader (libvulkan1) is missing, or the driver is too old for Dawn`;
}

export function describeAdapter(info: AdapterInfo, fallback: boolean): GpuAdapter {
  const description = info.description || info.device || 'unnamed adapter';
  const architecture = info.architecture ?? '';
  return {
    vendor: info.vendor || 'unknown vendor',
    architecture: architecture || 'unknown',
    description,
    software: fallback || architecture === 'software' || SOFTWARE_RASTERISERS.test(`${description} ${info.device ?? ''}`),
  };
}
