import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { noAdapterReason, vulkanDrivers } from '../../../src/trainer/backend/webgpuAdapter';
import { probeWebGpu } from '../../../src/trainer/backend/webgpuProbe';

/** A stand-in for Dawn's binding, as a file the probe's child process requires. */
function binding(requestAdapter: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'jointrain-dawn-')), 'dawn.js');
  writeFileSync(file, `module.exports = { globals: {}, create: () => ({ requestAdapter: ${requestAdapter} }) };`);
  return file;
}

test('the probe reports the adapter Dawn offers in a child process, or why there is none', async () => {
  assert.deepEqual(
    await probeWebGpu(
      binding(`async () => ({ isFallbackAdapter: false, info: { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070' } })`),
    ),
    { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070', software: false },
  );
  assert.deepEqual(
    await probeWebGpu(
      binding(`async () => ({ isFallbackAdapter: false, info: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })`),
    ),
    {
      vendor: 'mesa',
      architecture: 'unknown',
      description: 'llvmpipe (LLVM 15.0.6, 256 bits)',
      software: true,
    },
  );
  assert.equal(await probeWebGpu(binding('async () => null')), noAdapterReason(process.platform, vulkanDrivers()));
});

test('a driver that crashes the probe is a reason to skip webgpu, not the end of the trainer', async () => {
  const reason = await probeWebGpu(binding(`() => { process.stderr.write('vkCreateInstance: segfault in the driver\\n'); process.abort(); }`));
  assert.equal(
    reason,
    'asking Dawn for an adapter was killed by SIGABRT: vkCreateInstance: segfault in the driver (a GPU driver that fails here would have stopped the trainer)',
  );
  const thrown = await probeWebGpu(binding(`async () => { throw new Error('device lost'); }`));
  assert.equal(thrown, 'asking Dawn for an adapter exited with code 1: Error: device lost (a GPU driver that fails here would have stopped the trainer)');
});
