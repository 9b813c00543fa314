import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { selectBackend, type ModuleLoader } from '../../../src/trainer/backend/selectBackend';
import { registerWasmGradients, WASM_GRADIENT_KERNELS, wasmKernelsInUse } from '../../../src/trainer/backend/wasmGradients';
import { noAdapterReason, vulkanDrivers } from '../../../src/trainer/backend/webgpuAdapter';
import { UserError } from '../../../src/trainer/errors';
import { WASM_KERNELS } from '../../fixtures/wasmKernels';

const GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';
const DAWN = 'webgpu';
const WEBGPU = '@tensorflow/tfjs-backend-webgpu';

/**
 * A folder whose node_modules holds the given packages (file bodies), and a loader that resolves
 * from it, as the trainer's `require` would in a workspace with those packages installed. wasm is
 * always there: it forwards to this repository's copy.
 */
function workspaceWith(packages: Record<string, string>): ModuleLoader {
  const dir = mkdtempSync(join(tmpdir(), 'jointrain-backend-'));
  const all = { [WASM]: `module.exports = require(${JSON.stringify(require.resolve(WASM))});`, ...packages };
  for (const [name, body] of Object.entries(all)) {
    mkdirSync(join(dir, 'node_modules', name), { recursive: true });
    writeFileSync(join(dir, 'node_modules', name, 'index.js'), body);
  }
  return createRequire(join(dir, 'index.js'));
}

const CUDA_MISSING = `throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory\\n    at Module._extensions..node');`;

/** Stands in for tfjs-node: registers a 'tensorflow' backend (the cpu kernels) that reports a GPU or not. */
function fakeNativeBackend(usingGpu: boolean, name = 'tensorflow'): () => void {
  return () => {
    tf.registerBackend(name, () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: usingGpu }));
    for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: name });
  };
}

/** Stands in for Dawn's binding: one adapter describing itself as given, or none. */
function fakeDawn(adapter: { vendor: string; architecture: string; description: string } | null) {
  return {
    globals: {},
    create: () => ({ requestAdapter: async () => (adapter === null ? null : { isFallbackAdapter: false, info: adapter }) }),
  };
}

afterEach(async () => {
  for (const name of ['tensorflow', 'webgpu']) {
    if (tf.findBackend(name) === null) continue;
    await tf.setBackend('cpu');
    tf.removeBackend(name);
    for (const kernel of tf.getKernelsForBackend(name)) tf.unregisterKernel(kernel.kernelName, name);
  }
  delete (globalThis as { navigator?: unknown }).navigator;
});

test('auto without native packages picks wasm and says each native package is not installed', async () => {
  const report = await selectBackend('auto', workspaceWith({}));
  assert.deepEqual(report, {
    name: 'wasm',
    requested: 'auto',
    usingGpu: false,
    skipped: [
      { name: 'tensorflow-gpu', reason: `${GPU} is not installed` },
      { name: 'webgpu', reason: `${DAWN} is not installed` },
      { name: 'tensorflow', reason: `${NODE} is not installed` },
    ],
    kernels: [...WASM_KERNELS],
  });
  assert.equal(tf.getBackend(), 'wasm');
});

test('a GPU package that cannot load libcudart names the library and the CUDA version it needs', async () => {
  const report = await selectBackend('auto', workspaceWith({ [GPU]: CUDA_MISSING }));
  const gpu = report.skipped.find((skip) => skip.name === 'tensorflow-gpu');
  assert.equal(gpu?.reason, `${GPU} could not load libcudart.so.11.0 (tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 on the library path)`);
  assert.equal(report.name, 'wasm');
});

test('a package that fails to load for another reason is skipped with its first error line', async () => {
  const report = await selectBackend(
    'auto',
    workspaceWith({ [NODE]: `throw new Error('The module was compiled against a different Node.js version\\nmore');` }),
  );
  assert.deepEqual(report.skipped[2], { name: 'tensorflow', reason: `${NODE} failed to load: The module was compiled against a different Node.js version` });
});

test('a present native package is chosen; a GPU package that sees no GPU is skipped with the reason', async () => {
  const loaded: string[] = [];
  const load: ModuleLoader = (name) => {
    loaded.push(name);
    if ((name === GPU || name === NODE) && tf.findBackend('tensorflow') === null) fakeNativeBackend(false)();
    return {};
  };
  const report = await selectBackend('auto', load);
  assert.equal(report.name, 'tensorflow');
  assert.equal(report.usingGpu, false);
  assert.deepEqual(report.skipped, [
    { name: 'tensorflow-gpu', reason: 'the package loaded but TensorFlow sees no GPU device (CUDA driver or libraries missing)' },
    { name: 'webgpu', reason: 'the webgpu package has no create(): not the Dawn binding jointrain expects' },
  ]);
  assert.deepEqual(loaded, [GPU, DAWN, NODE]);
});

test('a GPU package whose backend reports a GPU device is chosen and recorded as using the GPU', async () => {
  const report = await selectBackend('auto', (name) => {
    if (name === GPU) fakeNativeBackend(true)();
    return {};
  });
  assert.deepEqual(report, { name: 'tensorflow-gpu', requested: 'auto', usingGpu: true, skipped: [] });
});

test('an explicit backend that is not installed is an error that says how to install it', async () => {
  await assert.rejects(selectBackend('tensorflow', workspaceWith({})), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, `backend 'tensorflow' is not available: ${NODE} is not installed`);
    assert.equal(error.hint, `install it with \`npm i ${NODE}\`, or use backend: auto`);
    return true;
  });
});

test('an explicit GPU backend without CUDA is an error naming the library, with the CUDA requirement in the fix', async () => {
  await assert.rejects(selectBackend('tensorflow-gpu', workspaceWith({ [GPU]: CUDA_MISSING })), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /could not load libcudart\.so\.11\.0/);
    assert.match(error.hint ?? '', /npm i @tensorflow\/tfjs-node-gpu` on a machine with CUDA 11\.2 \/ cuDNN 8\.1/);
    return true;
  });
});

test('choosing wasm registers the gradient kernels, and registering again changes nothing', async () => {
  await selectBackend('wasm', workspaceWith({}));
  const names = [...WASM_KERNELS];
  const registered = () => names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
  const first = registered();
  registerWasmGradients();
  assert.deepEqual(registered(), first);
  for (const kernel of WASM_GRADIENT_KERNELS) assert.ok(first.includes(kernel.kernelFunc));
  assert.deepEqual(wasmKernelsInUse(), names);
});

test("the run records which wasm kernels are jointrain's, and records none on another backend", async () => {
  const wasm = await selectBackend('wasm', workspaceWith({}));
  assert.deepEqual(wasm.kernels, WASM_KERNELS);
  const cpu = await selectBackend('cpu', workspaceWith({}));
  assert.equal(cpu.kernels, undefined);
});

test('auto skips a software WebGPU adapter, naming it, and one that Dawn cannot find', async () => {
  const llvmpipe = { vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' };
  const software = await selectBackend('auto', (name) => {
    if (name === DAWN) return fakeDawn(llvmpipe);
    return workspaceWith({})(name);
  });
  assert.equal(software.name, 'wasm');
  assert.deepEqual(software.skipped[1], {
    name: 'webgpu',
    reason: 'only a software adapter, mesa llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (software): slower than the CPU backends (backend: webgpu uses it)',
  });
  const none = await selectBackend('auto', (name) => (name === DAWN ? fakeDawn(null) : workspaceWith({})(name)));
  assert.deepEqual(none.skipped[1], { name: 'webgpu', reason: noAdapterReason(process.platform, vulkanDrivers()) });
});

test('auto takes a hardware WebGPU adapter before the CPU backends and records what it is', async () => {
  const loaded: string[] = [];
  const report = await selectBackend('auto', (name) => {
    loaded.push(name);
    if (name === DAWN) return fakeDawn({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060' });
    if (name === WEBGPU) fakeNativeBackend(false, 'webgpu')();
    if (name === GPU) throw Object.assign(new Error(`Cannot find module '${GPU}'`), { code: 'MODULE_NOT_FOUND' });
    return {};
  });
  assert.deepEqual(report, {
    name: 'webgpu',
    requested: 'auto',
    usingGpu: true,
    skipped: [{ name: 'tensorflow-gpu', reason: `${GPU} is not installed` }],
    adapter: { vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060', software: false },
    // Its matrix products are wrapped so that they sum in a fixed order (webgpuKernels.ts).
    kernels: ['BatchMatMul', '_FusedMatMul'],
  });
  // Dawn is opened before the tfjs backend loads: it registers itself only where navigator.gpu exists.
  assert.deepEqual(loaded, [GPU, DAWN, WEBGPU]);
});

test('webgpu asked for by name takes a software adapter, and without Dawn says how to install it', async () => {
  const report = await selectBackend('webgpu', (name) => {
    if (name === DAWN) return fakeDawn({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' });
    if (name === WEBGPU) fakeNativeBackend(false, 'webgpu')();
    return {};
  });
  assert.deepEqual(report.adapter, { vendor: 'mesa', architecture: 'unknown', description: 'llvmpipe (LLVM 15.0.6, 256 bits)', software: true });
  assert.equal(report.usingGpu, false, 'a CPU rasteriser is not a GPU');
  await assert.rejects(selectBackend('webgpu', workspaceWith({})), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, `backend 'webgpu' is not available: ${DAWN} is not installed`);
    assert.match(error.hint ?? '', /npm i webgpu @tensorflow\/tfjs-backend-webgpu` \(Dawn needs a Vulkan, Metal or D3D12 driver\)/);
    return true;
  });
});

test('a webgpu backend without a kernel training uses is refused at start, naming the kernels: auto goes on, by name says what to use', async () => {
  const installed = workspaceWith({});
  const lacking = (name: string) => {
    if (name === DAWN) return fakeDawn({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070' });
    if (name === WEBGPU) {
      fakeNativeBackend(false, 'webgpu')();
      for (const kernel of ['Erf', 'AvgPoolGrad']) tf.unregisterKernel(kernel, 'webgpu');
      return {};
    }
    return installed(name);
  };
  const report = await selectBackend('auto', lacking);
  assert.equal(report.name, 'wasm');
  assert.deepEqual(report.skipped[1], { name: 'webgpu', reason: `${WEBGPU} has no kernel for AvgPoolGrad, Erf, which training uses` });
  await assert.rejects(selectBackend('webgpu', lacking), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, `backend 'webgpu' is not available: ${WEBGPU} has no kernel for AvgPoolGrad, Erf, which training uses`);
    assert.equal(error.hint, 'use backend: wasm, or auto, which then skips webgpu');
    return true;
  });
});

test('no adapter on Linux says which Vulkan drivers are installed and what to install when none is', () => {
  const folders: Record<string, string[]> = { '/usr/share/vulkan/icd.d': ['nvidia_icd.json', 'README'], '/etc/vulkan/icd.d': ['lvp_icd.json'] };
  const list = (folder: string) => folders[folder] ?? [];
  assert.deepEqual(vulkanDrivers({}, list), ['lvp_icd.json', 'nvidia_icd.json']);
  assert.deepEqual(
    vulkanDrivers({ VK_ICD_FILENAMES: '/opt/nv/nvidia_icd.json:/opt/x/radeon_icd.json' }, list),
    ['nvidia_icd.json', 'radeon_icd.json'],
    'the loader takes the environment’s list instead',
  );
  assert.equal(
    noAdapterReason('linux', []),
    "Dawn found no GPU adapter: no Vulkan driver is installed (no ICD manifest in /etc/vulkan/icd.d, /usr/local/share/vulkan/icd.d, /usr/share/vulkan/icd.d); install the GPU driver's Vulkan support and the Vulkan loader (libvulkan1) — NVIDIA's driver ships nvidia_icd.json",
  );
  assert.equal(
    noAdapterReason('linux', ['nvidia_icd.json']),
    'Dawn found no GPU adapter, although Vulkan drivers are installed (nvidia_icd.json): none of them found a GPU it drives, the Vulkan loader (libvulkan1) is missing, or the driver is too old for Dawn',
  );
  assert.equal(noAdapterReason('darwin', []), 'Dawn found no GPU adapter (no Vulkan, Metal or D3D12 driver it can use)');
});
