/**
 * Saves and loads tfjs layers models as `model.json` + `weights.bin` in a folder — the format
 * `tf.loadLayersModel('file://…/model.json')` of tfjs-node reads — without needing tfjs-node.
 * Files are written to temporary names and renamed, so a folder never holds a torn model.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAtomically } from '../../node/atomicWrite';
import { makeDirectorySync } from '../../node/makeDirectory';
import { UserError } from '../errors';

export const MODEL_JSON = 'model.json';
const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };
export const WEIGHTS_BIN = 'weights.bin';

export function folderSaveHandler(folder: string, userDefinedMetadata?: Record<string, unknown>): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      makeDirectorySync(folder);
      const weights = artifacts.weightData === undefined ? new Uint8Array(0) : new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(userDefinedMetadata ? { userDefinedMetadata } : {}),
      };
      writeAtomically(join(folder, WEIGHTS_BIN), weights);
      writeAtomically(join(folder, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** An IOHandler that reads a model.json and its weight files from disk. */
export function fileLoadHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = readModelJson(modelJsonPath);
      const folder = dirname(modelJsonPath);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        // Read off the event loop: the channel must keep answering while a slow (or piped) file loads.
        for (const path of group.paths) buffers.push(await readFile(join(folder, path)));
      }
      const joined = Buffer.concat(buffers);
      const needed = specs.reduce((total, spec) => total + spec.shape.reduce((a, b) => a * b, 1) * (BYTES_PER_VALUE[spec.dtype] ?? 4), 0);
      if (joined.byteLength !== needed) {
        throw new UserError(
          `${modelJsonPath}: its weight files hold ${joined.byteLength} bytes, the model's weights need ${needed}`,
          'the weights file is truncated or belongs to another model: save the model again',
        );
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: specs,
        weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

function readModelJson(path: string): tf.io.ModelJSON {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as tf.io.ModelJSON;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new UserError(`${path} is not a model file (${error.message})`, 'point model.from at the model.json of a TensorFlow.js layers model');
  }
}
