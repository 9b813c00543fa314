/**
 * `jointrain predict RUN INPUT --dataset NAME`: the run's model (model/) on new images, preprocessed
 * as the dataset's were (size, channels, scale), through that dataset's stem and head. Writes one
 * row per image — its path, the predicted class and its probability, then every class's
 * probability — as CSV (default) or JSON lines. Image datasets only: a CSV dataset's features are
 * standardised with its training statistics, which `jointrain evaluate --data` applies.
 */
import * as tf from '@tensorflow/tfjs';
import { createWriteStream, existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import path, { join, resolve } from 'node:path';
import { once } from 'node:events';
import { isLoadedModel } from '../../shared/experiment/schema';
import { RUN_FILES } from '../../shared/runs/format';
import { selectBackend } from '../backend/selectBackend';
import { loadExperiment } from '../config/loadExperiment';
import { decodeImage } from '../data/decodeImage';
import { IMAGE_EXTENSIONS } from '../data/imageFolder';
import { pixelScaleTable } from '../data/pixelScale';
import { UserError } from '../errors';
import { fileLoadHandler } from '../runs/modelFiles';
import { loadRunRecord } from '../runs/runFolder';

export interface PredictOptions {
  dataset: string;
  out?: string;
  format: 'csv' | 'jsonl';
}

const BATCH = 64;

export async function predictCommand(runDir: string, input: string, options: PredictOptions): Promise<number> {
  const dir = resolve(runDir);
  const record = loadRunRecord(dir);
  const modelFile = join(dir, RUN_FILES.model, 'model.json');
  if (!existsSync(modelFile)) throw new UserError(`run ${record.id} has no model yet (${modelFile})`, 'a run writes model/ when its training ends');
  const loaded = await loadExperiment(record.experimentPath, { text: readFileSync(join(dir, RUN_FILES.experiment), 'utf8') });
  const spec = loaded.experiment.datasets.find((dataset) => dataset.name === options.dataset);
  if (spec === undefined) {
    throw new UserError(`no dataset named '${options.dataset}' in ${loaded.file}`, `its datasets: ${loaded.experiment.datasets.map((d) => d.name).join(', ')}`);
  }
  if (spec.type !== 'images')
    throw new UserError(`'${spec.name}' is a CSV dataset: predict reads images`, 'evaluate a CSV with `jointrain evaluate RUN --data NAME=FILE`');
  const report = record.datasets.find((d) => d.name === spec.name);
  const head = report === undefined ? undefined : record.heads[report.head];
  const outputName = report === undefined ? undefined : head?.outputs[report.stem];
  if (report === undefined || head === undefined || outputName === undefined || head.task !== 'classification') {
    throw new UserError(`run ${record.id} does not say which output of its model is dataset '${spec.name}' (a classification head)`);
  }
  const files = await imageFiles(resolve(input));
  if (files.length === 0) throw new UserError(`no images (${[...IMAGE_EXTENSIONS].join(', ')}) in ${resolve(input)}`);

  await selectBackend('auto');
  const model = await tf.loadLayersModel(fileLoadHandler(modelFile));
  const output = model.outputNames.indexOf(outputName);
  const input0 = stemInput(model, report.stem, loaded.experiment.model);
  if (output < 0 || input0 < 0) throw new UserError(`the model in ${modelFile} has no input for stem '${report.stem}' or no output '${outputName}'`);
  const target = { height: spec.image.size[0], width: spec.image.size[1], channels: spec.image.channels };
  const table = pixelScaleTable(spec.image.scale);
  const sink = options.out === undefined ? process.stdout : createWriteStream(resolve(options.out));
  const write = async (text: string) => {
    if (!sink.write(text)) await once(sink, 'drain');
  };
  if (options.format === 'csv') await write(`${['file', 'predicted', 'probability', ...head.classes.map((c) => `p_${c}`)].map(csvCell).join(',')}\n`);
  try {
    for (let start = 0; start < files.length; start += BATCH) {
      const chunk = files.slice(start, start + BATCH);
      const pixels = new Float32Array(chunk.length * target.height * target.width * target.channels);
      let at = 0;
      for (const file of chunk) {
        let decoded: Uint8Array;
        try {
          decoded = await decodeImage(await fs.readFile(file), target);
        } catch (error) {
          throw new UserError(`cannot read ${file} as an image: ${error instanceof Error ? error.message : String(error)}`);
        }
        for (const value of decoded) pixels[at++] = table[value] as number;
      }
      const probabilities = tf.tidy(() => {
        const x = tf.tensor4d(pixels, [chunk.length, target.height, target.width, target.channels]);
        // Every stem is an input of the saved model: the others get zeros, and only this dataset's output is read.
        const inputs = model.inputs.map((symbolic, i) => (i === input0 ? x : tf.zeros([chunk.length, ...(symbolic.shape.slice(1) as number[])])));
        const outputs = model.predict(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs) as tf.Tensor | tf.Tensor[];
        const raw = (Array.isArray(outputs) ? outputs[output] : outputs) as tf.Tensor2D;
        // Declared heads output logits; a loaded softmax model outputs probabilities already.
        const sums = tf.sum(raw, 1);
        const nonNegative = tf.all(tf.greaterEqual(raw, 0)).dataSync()[0] === 1;
        const isDistribution = nonNegative && tf.all(tf.less(tf.abs(tf.sub(sums, 1)), 1e-3)).dataSync()[0] === 1;
        return isDistribution ? raw : tf.softmax(raw);
      });
      const rows = probabilities.arraySync() as number[][];
      probabilities.dispose();
      for (const [i, row] of rows.entries()) {
        const best = row.indexOf(Math.max(...row));
        const name = path.relative(process.cwd(), chunk[i] as string) || (chunk[i] as string);
        const predicted = head.classes[best] ?? String(best);
        if (options.format === 'csv') await write(`${[name, predicted, fixed(row[best]), ...row.map(fixed)].map(csvCell).join(',')}\n`);
        else
          await write(
            `${JSON.stringify({ file: name, predicted, probability: row[best], probabilities: Object.fromEntries(head.classes.map((c, k) => [c, row[k]])) })}\n`,
          );
      }
    }
  } finally {
    model.dispose();
    if (sink !== process.stdout) {
      sink.end();
      await once(sink, 'close');
    }
  }
  if (options.out !== undefined) process.stderr.write(`predictions for ${files.length} images written to ${resolve(options.out)}\n`);
  return 0;
}

/** The saved model's input for a stem: declared models name it `input_<stem>`; a loaded model's experiment maps stems to its inputs. */
function stemInput(model: tf.LayersModel, stem: string, spec: Parameters<typeof isLoadedModel>[0]): number {
  const named = model.inputNames.indexOf(`input_${stem}`);
  if (named >= 0) return named;
  if (isLoadedModel(spec)) return spec.inputs[stem] ?? -1;
  return model.inputNames.length === 1 ? 0 : -1;
}

/** INPUT itself when it is an image file, else every image under it, in path order. */
async function imageFiles(input: string): Promise<string[]> {
  if (!existsSync(input)) throw new UserError(`${input} not found`, 'give an image file or a folder of images');
  if (statSync(input).isFile()) return [input];
  const found: string[] = [];
  for (const entry of await fs.readdir(input, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) found.push(join(entry.parentPath ?? input, entry.name));
  }
  return found.sort();
}

const fixed = (value: number | undefined): string => (value === undefined ? '' : value.toFixed(6));
const csvCell = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
