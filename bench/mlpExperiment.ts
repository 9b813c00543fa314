/**
 * The one-dataset experiment that the loop and pipeline benchmarks train: the example's digit MLP
 * (flatten → dense 128 relu → dense 64 relu → dense 10 softmax), batch 64, Adam 0.002, on one
 * folder of clean digits with proportional mixing and no augmentation. With 400 images per class
 * and a 0.2 validation split, an epoch is exactly 50 steps of 64, so a tfjs `fit` over the same
 * 3,200 samples has no partial last batch.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DeclaredModelSpec, ImageDatasetSpec } from '../src/shared/experiment/schema';
import { isLoadedModel } from '../src/shared/experiment/schema';
import { loadExperiment, type LoadedExperiment } from '../src/trainer/config/loadExperiment';
import { workPath } from './workDir';

export const LEARNING_RATE = 0.002;
export const BATCH_SIZE = 64;

export interface MlpExperiment {
  loaded: LoadedExperiment;
  dataset: ImageDatasetSpec;
  model: DeclaredModelSpec;
}

function experimentText(imagesDir: string, epochs: number): string {
  const relativeImages = path.relative(workPath(), imagesDir).split(path.sep).join('/');
  return `version: 1
name: bench-mlp
datasets:
  - name: clean
    type: images
    path: ${relativeImages}
    image: { size: [28, 28], channels: 1, scale: unit }
    validation: { split: 0.2 }
    stem: image
    head: digit
mixing: { strategy: proportional, epoch_end: all_exhausted }
model:
  stems:
    image: { layers: [{ type: flatten }, { type: dense, units: 128, activation: relu }] }
  trunk: [{ type: dense, units: 64, activation: relu }]
  heads:
    digit: { task: classification }
training:
  epochs: ${epochs}
  batch_size: ${BATCH_SIZE}
  optimizer: { type: adam, learning_rate: ${LEARNING_RATE} }
  seed: 7
  backend: wasm
  checkpoint: { every_epochs: 1000 }
`;
}

/** Writes the experiment file beside the work data and loads it as the trainer would. */
export async function loadMlpExperiment(imagesDir: string, epochs: number): Promise<MlpExperiment> {
  const file = workPath(`bench-mlp-${epochs}.jointrain.yaml`);
  fs.writeFileSync(file, experimentText(imagesDir, epochs));
  const loaded = await loadExperiment(file);
  const dataset = loaded.experiment.datasets[0];
  const model = loaded.experiment.model;
  if (dataset?.type !== 'images' || isLoadedModel(model)) throw new Error(`${file}: expected one image dataset and a declared model`);
  return { loaded, dataset, model };
}
