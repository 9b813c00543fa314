/**
 * `jointrain predict RUN INPUT --dataset NAME`: the run's model (model/) on new inputs, prepared as
 * the dataset's were and read through that dataset's stem and head.
 * - An image dataset: INPUT is an image or a folder of them, decoded at the dataset's size, channels
 *   and scale; one row per image, named by its path.
 * - A CSV dataset: INPUT is a table with the dataset's feature columns (by name, in any order; the
 *   label column may be there or not), standardised with the training split's statistics recorded
 *   in run.json; one row per data row, named by its line. Every row is read before anything is
 *   written, so a bad cell stops the command with its line and column and leaves `--out` as it was.
 * A classification head gives the predicted class, its probability and every class's probability;
 * a regression head the predicted value. CSV (default) or JSON lines.
 */
import * as tf from '@tensorflow/tfjs';
import { createWriteStream, existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import path, { join, resolve } from 'node:path';
import { once } from 'node:events';
import { isLoadedModel, type CsvDatasetSpec, type ImageDatasetSpec } from '../../shared/experiment/schema';
import { RUN_FILES, type DatasetReport } from '../../shared/runs/format';
import { selectBackend } from '../backend/selectBackend';
import { loadExperiment } from '../config/loadExperiment';
import { fieldCountProblem, numberProblem } from '../data/csvRows';
import { findColumns, readCsvTable } from '../data/csvTable';
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

/** What is predicted: a count of inputs, each one's name, and its features in batches. */
interface PredictInput {
  count: number;
  /** What names a row of the output: `file` (an image's path) or `line` (a CSV row's line). */
  key: 'file' | 'line';
  name(index: number): string;
  /** The true label, where the input has one (a CSV with the label column). */
  label?: (index: number) => string;
  shape: number[];
  readBatch(start: number, end: number): Promise<Float32Array>;
}

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
  const report = record.datasets.find((d) => d.name === spec.name);
  const head = report === undefined ? undefined : record.heads[report.head];
  const outputName = report === undefined ? undefined : head?.outputs[report.stem];
  if (report === undefined || head === undefined || outputName === undefined) {
    throw new UserError(`run ${record.id} does not say which output of its model is dataset '${spec.name}'`);
  }
  // Every input is read (and a CSV checked) before the model loads or anything is written.
  const inputs = spec.type === 'images' ? await imageInput(resolve(input), spec) : csvInput(resolve(input), spec, report, record.id);

  await selectBackend('auto');
  const model = await tf.loadLayersModel(fileLoadHandler(modelFile));
  const output = model.outputNames.indexOf(outputName);
  const input0 = stemInput(model, report.stem, loaded.experiment.model);
  if (output < 0 || input0 < 0) throw new UserError(`the model in ${modelFile} has no input for stem '${report.stem}' or no output '${outputName}'`);
  const classification = head.task === 'classification';
  const sink = options.out === undefined ? process.stdout : createWriteStream(resolve(options.out));
  const write = async (text: string) => {
    if (!sink.write(text)) await once(sink, 'drain');
  };
  const labelled = inputs.label !== undefined;
  if (options.format === 'csv') {
    const columns = [inputs.key, ...(labelled ? ['label'] : []), 'predicted', ...(classification ? ['probability', ...head.classes.map((c) => `p_${c}`)] : [])];
    await write(`${columns.map(csvCell).join(',')}\n`);
  }
  try {
    for (let start = 0; start < inputs.count; start += BATCH) {
      const end = Math.min(start + BATCH, inputs.count);
      const features = await inputs.readBatch(start, end);
      const rows = await predictRows(model, features, [end - start, ...inputs.shape], input0, output, classification);
      for (const [i, row] of rows.entries()) {
        const name = inputs.name(start + i);
        const label = inputs.label?.(start + i);
        const keyed = { [inputs.key]: name, ...(label !== undefined ? { label } : {}) };
        if (!classification) {
          const value = row[0] as number;
          if (options.format === 'csv') await write(`${[name, ...(label !== undefined ? [label] : []), String(value)].map(csvCell).join(',')}\n`);
          else await write(`${JSON.stringify({ ...keyed, predicted: value })}\n`);
          continue;
        }
        const best = row.indexOf(Math.max(...row));
        const predicted = head.classes[best] ?? String(best);
        if (options.format === 'csv')
          await write(`${[name, ...(label !== undefined ? [label] : []), predicted, fixed(row[best]), ...row.map(fixed)].map(csvCell).join(',')}\n`);
        else
          await write(
            `${JSON.stringify({ ...keyed, predicted, probability: row[best], probabilities: Object.fromEntries(head.classes.map((c, k) => [c, row[k]])) })}\n`,
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
  const what = inputs.key === 'file' ? 'images' : 'rows';
  if (options.out !== undefined) process.stderr.write(`predictions for ${inputs.count} ${what} written to ${resolve(options.out)}\n`);
  return 0;
}

/** One batch through the model: per input, its class probabilities (classification) or its value (regression). */
async function predictRows(
  model: tf.LayersModel,
  features: Float32Array,
  shape: number[],
  input0: number,
  output: number,
  classification: boolean,
): Promise<number[][]> {
  const batch = shape[0] as number;
  const raw = tf.tidy(() => {
    const x = tf.tensor(features, shape);
    // Every stem is an input of the saved model: the others get zeros, and only this dataset's output is read.
    const inputs = model.inputs.map((symbolic, i) => (i === input0 ? x : tf.zeros([batch, ...(symbolic.shape.slice(1) as number[])])));
    const outputs = model.predict(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(outputs) ? outputs[output] : outputs) as tf.Tensor2D;
  });
  let result = raw;
  if (classification) {
    // Declared heads output logits; a loaded softmax model outputs probabilities already.
    const flags = tf.tidy(() => tf.stack([tf.all(tf.greaterEqual(raw, 0)), tf.all(tf.less(tf.abs(tf.sub(tf.sum(raw, 1), 1)), 1e-3))]));
    const [nonNegative, sumsToOne] = await flags.data();
    flags.dispose();
    if (!(nonNegative === 1 && sumsToOne === 1)) {
      result = tf.softmax(raw);
      raw.dispose();
    }
  }
  // Awaited reads: a WebGPU backend in Node cannot read synchronously.
  const rows = (await result.array()) as number[][];
  result.dispose();
  return rows;
}

async function imageInput(input: string, spec: ImageDatasetSpec): Promise<PredictInput> {
  const files = await imageFiles(input);
  if (files.length === 0) throw new UserError(`no images (${[...IMAGE_EXTENSIONS].join(', ')}) in ${input}`);
  const target = { height: spec.image.size[0], width: spec.image.size[1], channels: spec.image.channels };
  const table = pixelScaleTable(spec.image.scale);
  return {
    count: files.length,
    key: 'file',
    name: (index) => {
      const file = files[index] as string;
      return path.relative(process.cwd(), file) || file;
    },
    shape: [target.height, target.width, target.channels],
    async readBatch(start, end) {
      const pixels = new Float32Array((end - start) * target.height * target.width * target.channels);
      let at = 0;
      for (const file of files.slice(start, end)) {
        let decoded: Uint8Array;
        try {
          decoded = await decodeImage(await fs.readFile(file), target);
        } catch (error) {
          throw new UserError(`cannot read ${file} as an image: ${error instanceof Error ? error.message : String(error)}`);
        }
        for (const value of decoded) pixels[at++] = table[value] as number;
      }
      return pixels;
    },
  };
}

/**
 * A table's rows as the dataset's features: its columns found by name, every cell a number (else an
 * error naming the file, line and column), standardised as the training split was.
 */
function csvInput(file: string, spec: CsvDatasetSpec, report: DatasetReport, runId: string): PredictInput {
  const recorded = report.features;
  if (recorded === undefined) {
    throw new UserError(
      `run ${runId} does not record ${spec.name}'s feature columns and statistics (it predates them)`,
      'evaluate a CSV with `jointrain evaluate RUN --data NAME=FILE`, or train a new run',
    );
  }
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) {
    throw new UserError(
      `${file} ${stat ? 'is not a file' : 'not found'}: '${spec.name}' is a CSV dataset`,
      `give a CSV file with the columns ${recorded.columns.join(', ')}`,
    );
  }
  const table = readCsvTable(file, spec.csv.delimiter, file);
  const found = findColumns(table.header, recorded.columns);
  if (found.missing.length > 0) {
    throw new UserError(
      `${file}: column${found.missing.length === 1 ? '' : 's'} ${found.missing.map((name) => `"${name}"`).join(', ')} of dataset '${spec.name}' not in the header (columns are: ${table.header.join(', ')})`,
      `the model reads ${recorded.columns.join(', ')}`,
    );
  }
  if (found.duplicated.length > 0) throw new UserError(`${file}: column "${found.duplicated[0]}" appears more than once in the header`);
  const labelIndex = table.header.indexOf(spec.csv.label);
  const count = recorded.columns.length;
  const features = new Float32Array(table.records.length * count);
  for (const [r, record] of table.records.entries()) {
    const problem =
      fieldCountProblem(record, table.header.length) ??
      found.indices.map((index, f) => numberProblem(record.cells[index], recorded.columns[f] as string)).find((text) => text !== undefined);
    if (problem !== undefined)
      throw new UserError(`${file}:${record.line}: ${problem}`, 'every row needs a number in each feature column; nothing was written');
    found.indices.forEach((index, f) => {
      const value = Number(record.cells[index]);
      const { mean, std } = recorded;
      features[r * count + f] = mean && std ? (value - (mean[f] as number)) / (std[f] as number) : value;
    });
  }
  if (table.records.length === 0) throw new UserError(`${file} has no data rows`, 'add rows below the header');
  return {
    count: table.records.length,
    key: 'line',
    name: (index) => String(table.records[index]?.line ?? ''),
    ...(labelIndex >= 0 ? { label: (index: number) => table.records[index]?.cells[labelIndex] ?? '' } : {}),
    shape: [count],
    readBatch: async (start, end) => features.subarray(start * count, end * count),
  };
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
