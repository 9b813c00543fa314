/**
 * A long run does not leak: across 50 epochs of the tiny workspace (with gradient diagnostics and
 * a balancer, the paths that create the most tensors) the tensor count and tfjs memory at every
 * epoch end equal those after the first, and the JS heap does not grow with the epochs.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { runExperiment } from '../../src/trainer/runExperiment';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';

const EPOCHS = 50;

/** A full garbage collection before each heap reading, so that garbage is not read as growth. */
setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

test(`tensor count and memory stay flat across ${EPOCHS} epochs`, { timeout: 300_000 }, async () => {
  const workspace = await createTinyWorkspace({
    epochs: EPOCHS,
    extraTraining: '  balancer: { type: gradnorm }\n  diagnostics: { every: 2 }\n  checkpoint: { every_epochs: 5 }',
  });
  const tensors: number[] = [];
  const bytes: number[] = [];
  const heap: number[] = [];
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: {
      onEpochEnd: () => {
        tensors.push(tf.memory().numTensors);
        bytes.push(tf.memory().numBytes);
        collectGarbage();
        heap.push(process.memoryUsage().heapUsed);
      },
    },
  });
  assert.equal(result.record.status, 'completed');
  assert.equal(tensors.length, EPOCHS);
  // From the second epoch on (the optimizer's slots exist by then) nothing accumulates.
  assert.deepEqual(new Set(tensors.slice(1)), new Set([tensors[1]]), `tensors per epoch: ${tensors.join(' ')}`);
  assert.deepEqual(new Set(bytes.slice(1)), new Set([bytes[1]]));
  // Compare the medians of the first and last ten epochs: allocation sites warm up at their own pace.
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const early = median(heap.slice(1, 11));
  const late = median(heap.slice(-10));
  console.log(
    `long run: ${tensors[1]} tensors and ${bytes[1]} bytes of tfjs memory at every epoch end from epoch 2 to ${EPOCHS}; heap median ${(early / 2 ** 20).toFixed(1)} MiB (epochs 2–11) → ${(late / 2 ** 20).toFixed(1)} MiB (epochs ${EPOCHS - 9}–${EPOCHS})`,
  );
  assert.ok(late < early * 1.1 + 2 * 2 ** 20, `heap grew from ${early} to ${late} bytes`);
});
