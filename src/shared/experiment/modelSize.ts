/**
 * Whether a declared model and one batch fit in memory, checked before anything is allocated: a
 * model too large for the machine otherwise fails deep inside tfjs (a RangeError from a typed
 * array, or V8 running out of heap and killing the process) with nothing that names the field.
 *
 * The estimate is deliberately a lower bound: 4-byte floats; each parameter held four times (the
 * weight, its gradient and an optimizer's two slots, as Adam keeps); each layer output of one batch
 * held twice (the activation kept for the backward pass and its gradient). Classification heads are
 * counted with two classes (the class count is only known once the data is read).
 */
import type { ExperimentIssue } from './issues';
import type { ExperimentLocator, FieldPath } from './locate';
import { isLoadedModel, type Experiment, type LayerSpec } from './schema';

const BYTES_PER_FLOAT = 4;
const COPIES_PER_PARAMETER = 4;
const COPIES_PER_ACTIVATION = 2;

/** A layer's output shape (without the batch) and its parameters. */
interface LayerSize {
  shape: number[];
  parameters: number;
}

function pairOf(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

function spatial(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.max(0, Math.floor((size - window) / stride) + 1);
}

function product(shape: readonly number[]): number {
  return shape.reduce((total, n) => total * n, 1);
}

export function layerSize(layer: LayerSpec, input: readonly number[]): LayerSize {
  const last = input.at(-1) ?? 1;
  switch (layer.type) {
    case 'dense':
      return { shape: [...input.slice(0, -1), layer.units], parameters: last * layer.units + (layer.use_bias ? layer.units : 0) };
    case 'conv2d': {
      const [kh, kw] = pairOf(layer.kernel_size);
      const [sh, sw] = pairOf(layer.strides);
      const [h = 1, w = 1] = input;
      return {
        shape: [spatial(h, kh, sh, layer.padding), spatial(w, kw, sw, layer.padding), layer.filters],
        parameters: kh * kw * last * layer.filters + layer.filters,
      };
    }
    case 'max_pooling2d':
    case 'average_pooling2d': {
      const [ph, pw] = pairOf(layer.pool_size);
      const [sh, sw] = pairOf(layer.strides ?? layer.pool_size);
      const [h = 1, w = 1] = input;
      return { shape: [spatial(h, ph, sh, layer.padding), spatial(w, pw, sw, layer.padding), last], parameters: 0 };
    }
    case 'flatten':
      return { shape: [product(input)], parameters: 0 };
    case 'global_average_pooling2d':
    case 'global_max_pooling2d':
      return { shape: [last], parameters: 0 };
    case 'batch_normalization':
      return { shape: [...input], parameters: 4 * last };
    case 'layer_normalization':
      return { shape: [...input], parameters: 2 * last };
    case 'dropout':
    case 'activation':
      return { shape: [...input], parameters: 0 };
  }
}

/** The shape (without the batch) a list of layers turns `input` into. */
export function outputShape(layers: readonly LayerSpec[], input: readonly number[]): number[] {
  return layers.reduce<number[]>((shape, layer) => layerSize(layer, shape).shape, [...input]);
}

/** The field of a layer that sets its number of parameters. */
function sizeField(layer: LayerSpec): string[] {
  return layer.type === 'dense' ? ['units'] : layer.type === 'conv2d' ? ['filters'] : [];
}

/** The largest layer by parameters, to name in the message. */
interface LargestLayer {
  field: FieldPath;
  parameters: number;
}

interface ModelSize {
  parameters: number;
  /** Floats output per sample along the largest stem → trunk → head path, the input included. */
  activationsPerSample: number;
  largest: LargestLayer | undefined;
}

/** Runs a list of layers over a shape; `counted` says whether their parameters are new (the trunk is shared by every stem). */
function walk(
  layers: readonly LayerSpec[],
  input: readonly number[],
  field: FieldPath,
  counted: boolean,
  size: ModelSize,
): { shape: number[]; activations: number } {
  let shape = [...input];
  let activations = 0;
  layers.forEach((layer, index) => {
    const result = layerSize(layer, shape);
    shape = result.shape;
    activations += product(shape);
    if (!counted) return;
    size.parameters += result.parameters;
    if (result.parameters > (size.largest?.parameters ?? 0)) size.largest = { field: [...field, index, ...sizeField(layer)], parameters: result.parameters };
  });
  return { shape, activations };
}

/**
 * The declared model's size, from each stem's input shape (undefined where the data could not
 * tell). Undefined for a loaded model (its weights file says how large it is).
 */
export function estimateModelSize(experiment: Experiment, stemInputs: ReadonlyMap<string, readonly number[]>): ModelSize | undefined {
  const { model } = experiment;
  if (isLoadedModel(model)) return undefined;
  const size: ModelSize = { parameters: 0, activationsPerSample: 0, largest: undefined };
  let trunkCounted = false;
  for (const [stem, spec] of Object.entries(model.stems)) {
    const input = stemInputs.get(stem);
    if (input === undefined) continue;
    const stemOut = walk(spec.layers, input, ['model', 'stems', stem, 'layers'], true, size);
    const trunkOut = walk(model.trunk, stemOut.shape, ['model', 'trunk'], !trunkCounted, size);
    trunkCounted = true;
    const headsCounted = stem === firstStemWithInput(model.stems, stemInputs);
    for (const [head, headSpec] of Object.entries(model.heads)) {
      // The output layer the trainer adds: two classes at least, or one regression target.
      const output: LayerSpec = {
        type: 'dense',
        units: headSpec.task === 'classification' ? 2 : 1,
        activation: 'linear',
        use_bias: true,
        kernel_initializer: 'glorot_uniform',
        bias_initializer: 'zeros',
      };
      const headOut = walk([...headSpec.layers, output], trunkOut.shape, ['model', 'heads', head, 'layers'], headsCounted, size);
      const path = product(input) + stemOut.activations + trunkOut.activations + headOut.activations;
      size.activationsPerSample = Math.max(size.activationsPerSample, path);
    }
  }
  return size;
}

function firstStemWithInput(stems: Record<string, unknown>, inputs: ReadonlyMap<string, readonly number[]>): string | undefined {
  return Object.keys(stems).find((stem) => inputs.has(stem));
}

const GIB = 1024 ** 3;

function gib(bytes: number): string {
  const value = bytes / GIB;
  return `${value < 10 ? value.toFixed(2) : Math.round(value).toLocaleString('en-US')} GiB`;
}

/**
 * An error at the field to change when the model's parameters and one batch's activations would
 * not fit in `totalMemory` bytes: the layer with the most parameters when they dominate, else
 * `training.batch_size` with the largest batch that would fit.
 */
/** Each stem's input shape: that of the first dataset on it whose sample shape is known. */
export function stemInputShapes(experiment: Experiment, sampleShapes: ReadonlyArray<readonly number[] | undefined>): Map<string, readonly number[]> {
  const stems = isLoadedModel(experiment.model) ? Object.keys(experiment.model.inputs) : Object.keys(experiment.model.stems);
  const inputs = new Map<string, readonly number[]>();
  experiment.datasets.forEach((dataset, index) => {
    const stem = dataset.stem ?? (stems.length === 1 ? stems[0] : undefined);
    const shape = sampleShapes[index];
    if (stem !== undefined && shape !== undefined && !inputs.has(stem)) inputs.set(stem, shape);
  });
  return inputs;
}

export function checkModelFits(
  experiment: Experiment,
  stemInputs: ReadonlyMap<string, readonly number[]>,
  totalMemory: number,
  at: ExperimentLocator,
): ExperimentIssue[] {
  const size = estimateModelSize(experiment, stemInputs);
  if (size === undefined) return [];
  const batchSize = experiment.training.batch_size;
  const parameterBytes = size.parameters * COPIES_PER_PARAMETER * BYTES_PER_FLOAT;
  const activationBytesPerSample = size.activationsPerSample * COPIES_PER_ACTIVATION * BYTES_PER_FLOAT;
  const total = parameterBytes + batchSize * activationBytesPerSample;
  if (total <= totalMemory) return [];
  const estimate = `the model needs at least ${gib(total)} (${size.parameters.toExponential(2)} parameters with their gradients and optimizer slots: ${gib(parameterBytes)}; one batch of ${batchSize}: ${gib(batchSize * activationBytesPerSample)}) but this machine has ${gib(totalMemory)}`;
  if (parameterBytes * 2 >= total && size.largest !== undefined) {
    return [
      at.issue(
        size.largest.field,
        `${estimate}; this layer alone has ${size.largest.parameters.toExponential(2)} parameters: give it fewer units or filters (or a smaller input before it)`,
      ),
    ];
  }
  const fitting = Math.floor((totalMemory - parameterBytes) / activationBytesPerSample);
  const fix = fitting >= 1 ? `lower batch_size to ${fitting} or less, or use smaller images or layers` : 'use smaller images or layers';
  return [at.issue(['training', 'batch_size'], `${estimate}: ${fix}`)];
}
