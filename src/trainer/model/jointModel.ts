/**
 * The joint model: per-input stems → a shared trunk → named heads. One tfjs graph holds every
 * (stem, head) path that some dataset trains, so the final model saves and reloads as a single
 * layers model; each path is also exposed as its own sub-model sharing the same layers, so a
 * training step runs each dataset's sub-batch through exactly its path.
 */
import * as tf from '@tensorflow/tfjs';
import type { FieldPath } from '../../shared/experiment/locate';
import type { DeclaredModelSpec, LayerSpec } from '../../shared/experiment/schema';
import { stemEndField, stemsMeetProblem, STEMS_MEET_FIX } from '../../shared/language/stemShapes';
import { UserError } from '../errors';
import { createLayer } from './createLayer';
import { DropoutSeeds } from './dropoutSeeds';

export type Task = 'classification' | 'regression';

export interface HeadPlan {
  task: Task;
  /** Classes for classification, targets for regression. */
  units: number;
}

export interface PathKey {
  stem: string;
  head: string;
}

/** What a dataset's sub-batch runs through during training. */
export interface ModelPath {
  readonly key: PathKey;
  /** Name of this path's output in the saved model. */
  readonly outputName: string;
  /** Outputs logits (declared classification heads), probabilities (loaded softmax models) or values (regression). */
  readonly trainingModel: tf.LayersModel;
  readonly outputKind: 'logits' | 'probabilities' | 'values';
}

export interface JointModel {
  /** Every stem input and every path output: what is saved and what `tf.loadLayersModel` returns. */
  readonly model: tf.LayersModel;
  readonly paths: readonly ModelPath[];
  path(key: PathKey): ModelPath;
  readonly trainableVariables: tf.LayerVariable[];
  /** Kernels (not biases or normalization parameters), which L2 regularization applies to. */
  readonly kernels: tf.LayerVariable[];
  /** Where the declared model's dropout masks come from; the loop begins each training step on it. A loaded model's dropout draws tfjs's own masks. */
  readonly dropoutSeeds?: DropoutSeeds;
}

export function pathId({ stem, head }: PathKey): string {
  return `${stem}→${head}`;
}

export function buildDeclaredModel(
  spec: DeclaredModelSpec,
  stemShapes: Record<string, number[]>,
  heads: Record<string, HeadPlan>,
  paths: PathKey[],
  seed: number,
  /** Where a field of the experiment file is, for errors: `file:line:col`. */
  place?: (path: FieldPath) => string,
): JointModel {
  let layerSeed = seed;
  const nextSeed = () => layerSeed++;
  const dropoutSeeds = new DropoutSeeds(seed);
  const stack = (specs: LayerSpec[], prefix: string) => specs.map((layer, i) => createLayer(layer, `${prefix}_${i}_${layer.type}`, nextSeed(), dropoutSeeds));
  const applyAll = (layers: tf.layers.Layer[], input: tf.SymbolicTensor) => layers.reduce((tensor, layer) => layer.apply(tensor) as tf.SymbolicTensor, input);

  const inputs = new Map<string, tf.SymbolicTensor>();
  const stemOutputs = new Map<string, tf.SymbolicTensor>();
  const trunkOutputs = new Map<string, tf.SymbolicTensor>();
  const trunk = stack(spec.trunk, 'trunk');
  const usedStems = [...new Set(paths.map((path) => path.stem))];
  for (const stem of usedStems) {
    const stemSpec = spec.stems[stem];
    const shape = stemShapes[stem];
    if (stemSpec === undefined || shape === undefined) throw new UserError(`stem '${stem}' is not defined in model.stems`);
    const input = tf.input({ shape, name: `input_${stem}` });
    inputs.set(stem, input);
    const stemOut = applyAll(stack(stemSpec.layers, `stem_${stem}`), input);
    stemOutputs.set(stem, stemOut);
    // Checked before the shared layer is applied, which would fail in tfjs's own words.
    if (spec.trunk.length > 0) checkStemsMeet(spec, [...stemOutputs.keys()], stemOutputs, 'the trunk', place);
    trunkOutputs.set(stem, applyAll(trunk, stemOut));
  }
  // Without a trunk, the stems of one head meet in its first layer.
  if (spec.trunk.length === 0) {
    for (const head of Object.keys(spec.heads)) {
      checkStemsMeet(spec, [...new Set(paths.filter((p) => p.head === head).map((p) => p.stem))], stemOutputs, `head '${head}'`, place);
    }
  }

  const headLayers = new Map<string, { hidden: tf.layers.Layer[]; final: tf.layers.Layer }>();
  const modelPaths: ModelPath[] = [];
  const outputs: tf.SymbolicTensor[] = [];
  for (const key of paths) {
    const head = heads[key.head];
    const headSpec = spec.heads[key.head];
    if (head === undefined || headSpec === undefined) throw new UserError(`head '${key.head}' is not defined in model.heads`);
    let layers = headLayers.get(key.head);
    if (layers === undefined) {
      layers = {
        hidden: stack(headSpec.layers, `head_${key.head}`),
        final: tf.layers.dense({
          name: `head_${key.head}_out`,
          units: head.units,
          ...{ kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }) },
        }),
      };
      headLayers.set(key.head, layers);
    }
    const trunkOut = trunkOutputs.get(key.stem) as tf.SymbolicTensor;
    const raw = layers.final.apply(applyAll(layers.hidden, trunkOut)) as tf.SymbolicTensor;
    const outputName = usedStems.length === 1 || paths.filter((p) => p.head === key.head).length === 1 ? key.head : `${key.head}__${key.stem}`;
    const output = tf.layers
      .activation({ name: outputName, activation: head.task === 'classification' ? 'softmax' : 'linear' })
      .apply(raw) as tf.SymbolicTensor;
    outputs.push(output);
    const input = inputs.get(key.stem) as tf.SymbolicTensor;
    modelPaths.push({
      key,
      outputName,
      trainingModel: tf.model({ inputs: input, outputs: raw, name: `path_${key.stem}_${key.head}` }),
      outputKind: head.task === 'classification' ? 'logits' : 'values',
    });
  }
  const model = tf.model({ inputs: usedStems.map((stem) => inputs.get(stem) as tf.SymbolicTensor), outputs, name: 'jointrain' });
  return { ...assemble(model, modelPaths), dropoutSeeds };
}

/**
 * Wraps an existing layers model. Each (stem, head) path must be a sub-graph from one input to one
 * output; its output is taken to be probabilities (softmax) for classification heads.
 */
export function wrapLoadedModel(
  model: tf.LayersModel,
  inputIndex: Record<string, number>,
  outputIndex: Record<string, number>,
  heads: Record<string, HeadPlan>,
  paths: PathKey[],
): JointModel {
  const modelPaths = paths.map((key): ModelPath => {
    const input = model.inputs[inputIndex[key.stem] ?? -1];
    const output = model.outputs[outputIndex[key.head] ?? -1];
    if (input === undefined) throw new UserError(`model.inputs.${key.stem}: the model has no input ${inputIndex[key.stem]} (it has ${model.inputs.length})`);
    if (output === undefined)
      throw new UserError(`model.outputs.${key.head}: the model has no output ${outputIndex[key.head]} (it has ${model.outputs.length})`);
    const head = heads[key.head] as HeadPlan;
    const units = output.shape[output.shape.length - 1];
    if (units !== head.units) {
      throw new UserError(
        `model.outputs.${key.head}: the model's output has ${units} units but the head needs ${head.units} (${head.task === 'classification' ? 'one per class' : 'one per target'})`,
      );
    }
    let trainingModel: tf.LayersModel;
    try {
      trainingModel = tf.model({ inputs: input, outputs: output, name: `path_${key.stem}_${key.head}` });
    } catch (error) {
      throw new UserError(
        `output ${outputIndex[key.head]} of the loaded model does not depend on input ${inputIndex[key.stem]} alone: ${(error as Error).message}`,
      );
    }
    return {
      key,
      outputName: model.outputNames[outputIndex[key.head] as number] ?? key.head,
      trainingModel,
      outputKind: head.task === 'classification' ? 'probabilities' : 'values',
    };
  });
  return assemble(model, modelPaths);
}

function assemble(model: tf.LayersModel, paths: ModelPath[]): JointModel {
  const byId = new Map(paths.map((path) => [pathId(path.key), path]));
  const trainableVariables = model.trainableWeights.map((weight) => weight);
  return {
    model,
    paths,
    path: (key) => {
      const found = byId.get(pathId(key));
      if (found === undefined) throw new Error(`no model path ${pathId(key)}`);
      return found;
    },
    trainableVariables,
    kernels: trainableVariables.filter((weight) => /kernel/.test(weight.originalName) || /kernel/.test(weight.name)),
  };
}

function checkStemsMeet(
  spec: DeclaredModelSpec,
  stems: readonly string[],
  outputs: ReadonlyMap<string, tf.SymbolicTensor>,
  meeting: string,
  place: ((path: FieldPath) => string) | undefined,
): void {
  const shapeOf = (stem: string) => (outputs.get(stem)?.shape.slice(1) ?? []).map((size) => size ?? -1);
  const [first] = stems;
  const odd = stems.find((stem) => first !== undefined && shapeOf(stem).join() !== shapeOf(first).join());
  if (odd === undefined) return;
  const where = place?.(stemEndField(spec.stems, odd));
  const problem = stemsMeetProblem(
    meeting,
    stems.map((stem) => [stem, shapeOf(stem)] as const),
  );
  throw new UserError(`${where !== undefined ? `${where}: ` : ''}${problem}`, STEMS_MEET_FIX);
}
