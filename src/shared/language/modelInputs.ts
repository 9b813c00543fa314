/**
 * The input shapes of a TensorFlow.js layers model, read from its model.json topology without
 * TensorFlow.js. tfjs writes Keras' snake_case keys (`batch_input_shape`), Keras 3 writes
 * `batch_shape`, and a topology built by hand in tfjs may use camelCase; all are accepted.
 */

/** A model input's shape, batch axis first; null where any size is accepted. */
export type InputShape = ReadonlyArray<number | null>;

export interface ModelInputs {
  /** One entry per model input, in the order `model.inputs` numbers them; undefined where the file states no shape. */
  inputs?: Array<InputShape | undefined>;
  /** Why the file cannot be a layers model, in words that say what `from` needs. */
  problem?: string;
}

const LAYERS_MODEL = 'a TensorFlow.js layers model.json (saved with `model.save` or converted with `--output_format tfjs_layers_model`)';

/** The inputs of the layers model in a model.json's text; `inputs` is absent when its topology is not one this reads. */
export function readModelInputs(text: string): ModelInputs {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `is not valid JSON (${(error as Error).message}): \`from\` names ${LAYERS_MODEL}` };
  }
  const file = asRecord(json);
  const topology = asRecord(field(file, 'modelTopology', 'model_topology'));
  if (field(file, 'format') === 'graph-model') return { problem: `is a graph model, which cannot be trained: \`from\` names ${LAYERS_MODEL}` };
  if (Object.keys(topology).length === 0) return { problem: `has no modelTopology: \`from\` names ${LAYERS_MODEL}` };
  // Topologies converted from Keras HDF5 files wrap the model in `model_config`.
  const model = asRecord(field(topology, 'model_config', 'modelConfig') ?? topology);
  return { inputs: modelInputs(model) };
}

function modelInputs(model: Record<string, unknown>): Array<InputShape | undefined> | undefined {
  const config = field(model, 'config');
  // Old Sequential topologies hold the list of layers as the config itself.
  const layers = (Array.isArray(config) ? config : asArray(field(asRecord(config), 'layers'))).map(asRecord);
  if (field(model, 'class_name', 'className') === 'Sequential') {
    const first = layers[0];
    const declared = shapeOf(asRecord(field(first ?? {}, 'config')));
    return [declared ?? shapeArray(field(asRecord(config), 'build_input_shape', 'buildInputShape'))];
  }
  const inputLayers = asArray(field(asRecord(config), 'input_layers', 'inputLayers'));
  if (inputLayers.length === 0) return undefined;
  // Keras 3 writes a single input as one `[name, node, tensor]` rather than a list of them.
  const references = typeof inputLayers[0] === 'string' ? [inputLayers] : inputLayers;
  return references.map((reference) => {
    const name = asArray(reference)[0];
    const layer = layers.find((candidate) => layerName(candidate) === name);
    return layer ? shapeOf(asRecord(field(layer, 'config'))) : undefined;
  });
}

function layerName(layer: Record<string, unknown>): unknown {
  return field(layer, 'name') ?? field(asRecord(field(layer, 'config')), 'name');
}

/** The batch shape a layer config declares: in full, or as `input_shape` without the batch axis. */
function shapeOf(config: Record<string, unknown>): InputShape | undefined {
  const batchShape = shapeArray(field(config, 'batch_input_shape', 'batchInputShape', 'batch_shape', 'batchShape'));
  if (batchShape) return batchShape;
  const inputShape = shapeArray(field(config, 'input_shape', 'inputShape'));
  return inputShape ? [null, ...inputShape] : undefined;
}

function shapeArray(value: unknown): InputShape | undefined {
  if (!Array.isArray(value)) return undefined;
  const sizes: unknown[] = value;
  return sizes.every((size) => size === null || (typeof size === 'number' && Number.isInteger(size) && size >= 0))
    ? (sizes as Array<number | null>)
    : undefined;
}

/** The first of the spellings of a key that the record holds. */
function field(record: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) if (record[name] !== undefined) return record[name];
  return undefined;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** `[?,28,28,1]`: a shape as messages show it, `?` for any size. */
export function formatShape(shape: InputShape): string {
  return `[${shape.map((size) => size ?? '?').join(',')}]`;
}
