import type { ExperimentIssue } from '../experiment/issues';
import type { ExperimentLocator, FieldPath } from '../experiment/locate';
import { outputShape } from '../experiment/modelSize';
import { isLoadedModel, type Experiment } from '../experiment/schema';
import { formatShape, type InputShape } from './modelInputs';

/** What to do about two datasets whose samples cannot share a stem; also said when training finds it. */
export const STEM_SHAPE_FIX = 'give both datasets the same preprocessing (image size and channels, or feature columns), or route them to different stems';

const MODEL_INPUT_FIX =
  "change the dataset's preprocessing (image size and channels, or feature columns) to fit the input, or map the stem to the input that fits in model.inputs";

/** The problem of a dataset whose samples differ in shape from those of an earlier dataset on the same stem. */
export function stemShapeConflict(stem: string, dataset: string, shape: readonly number[], owner: string, ownerShape: readonly number[]): string {
  return `incompatible input shapes on stem '${stem}': dataset '${dataset}' gives [${shape.join(',')}] but '${owner}' gives [${ownerShape.join(',')}]`;
}

/**
 * Datasets feeding one stem must give samples of one shape, the stem's input. `sampleShapes[i]` is
 * dataset i's sample shape, undefined where its files could not tell (their issues are reported
 * already). When a loaded model states the shape of the input a stem feeds (`modelInputs`, by
 * input index), each dataset on that stem is held to it; otherwise to the first dataset on the
 * stem. Each problem sits on the dataset's `stem` (or on the dataset, when its stem is implicit).
 */
export function checkStemShapes(
  experiment: Experiment,
  sampleShapes: ReadonlyArray<readonly number[] | undefined>,
  at: ExperimentLocator,
  modelInputs: ReadonlyArray<InputShape | undefined> = [],
): ExperimentIssue[] {
  const { model } = experiment;
  const stems = isLoadedModel(model) ? Object.keys(model.inputs) : Object.keys(model.stems);
  const inputOf = (stem: string): { index: number; shape: InputShape } | undefined => {
    const index = isLoadedModel(model) ? model.inputs[stem] : undefined;
    const shape = index === undefined ? undefined : modelInputs[index];
    return index === undefined || shape === undefined ? undefined : { index, shape };
  };
  const first = new Map<string, { name: string; shape: readonly number[] }>();
  return experiment.datasets.flatMap((dataset, index) => {
    const stem = dataset.stem ?? (stems.length === 1 ? stems[0] : undefined);
    const shape = sampleShapes[index];
    if (stem === undefined || shape === undefined) return [];
    const field: FieldPath = dataset.stem === undefined ? ['datasets', index] : ['datasets', index, 'stem'];
    const input = inputOf(stem);
    if (input) {
      if (fitsInput(shape, input.shape)) return [];
      const problem = `dataset '${dataset.name}' gives samples of shape [${shape.join(',')}] but stem '${stem}' feeds model input ${input.index}, which takes ${formatShape(input.shape.slice(1))}`;
      return [at.issue(field, `${problem}: ${MODEL_INPUT_FIX}`)];
    }
    const owner = first.get(stem);
    if (!owner) {
      first.set(stem, { name: dataset.name, shape });
      return [];
    }
    if (sameShape(owner.shape, shape)) return [];
    return [at.issue(field, `${stemShapeConflict(stem, dataset.name, shape, owner.name, owner.shape)}: ${STEM_SHAPE_FIX}`)];
  });
}

/** What to do about stems that end in different shapes where they meet; also said when training finds it. */
export const STEMS_MEET_FIX = 'end every stem with a layer of the same output shape, e.g. a dense layer with the same number of units';

/** The problem of stems ending in different shapes, each stem with the shape it ends in. */
export function stemsMeetProblem(meeting: string, ends: ReadonlyArray<readonly [string, readonly number[]]>): string {
  return `the stems feeding ${meeting} end in different shapes (${ends.map(([stem, shape]) => `${stem} → [${shape.join(',')}]`).join(', ')}), so they cannot share it`;
}

/** Where a problem with stem `stem`'s end sits: its last layer, or the stem itself when it has none. */
export function stemEndField(stems: Readonly<Record<string, { layers: readonly unknown[] }>>, stem: string): FieldPath {
  const count = stems[stem]?.layers.length ?? 0;
  return count > 0 ? ['model', 'stems', stem, 'layers', count - 1] : ['model', 'stems', stem];
}

/**
 * Stems meet in one layer — the trunk, or without a trunk the first layer of each head they feed —
 * so they must end in one shape there. `stemInputs` holds each stem's input shape where its data
 * tells it; a stem without one is left out. Declared models only (a loaded model was built whole).
 */
export function checkStemEnds(experiment: Experiment, stemInputs: ReadonlyMap<string, readonly number[]>, at: ExperimentLocator): ExperimentIssue[] {
  const { model } = experiment;
  if (isLoadedModel(model)) return [];
  const ends = new Map([...stemInputs].flatMap(([stem, input]) => (model.stems[stem] ? [[stem, outputShape(model.stems[stem].layers, input)] as const] : [])));
  const stemNames = Object.keys(model.stems);
  const headNames = Object.keys(model.heads);
  const routes = experiment.datasets.map((dataset) => ({
    stem: dataset.stem ?? (stemNames.length === 1 ? stemNames[0] : undefined),
    head: dataset.head ?? (headNames.length === 1 ? headNames[0] : undefined),
  }));
  const stemsOf = (head?: string) => [
    ...new Set(
      routes
        .filter((route) => head === undefined || route.head === head)
        .flatMap((route) => (route.stem !== undefined && ends.has(route.stem) ? [route.stem] : [])),
    ),
  ];
  const meetings: Array<[string, string[]]> = model.trunk.length > 0 ? [['the trunk', stemsOf()]] : headNames.map((head) => [`head '${head}'`, stemsOf(head)]);
  return meetings.flatMap(([meeting, stems]) => {
    const shapeOf = (stem: string) => ends.get(stem) ?? [];
    const first = stems[0];
    const odd = stems.find((stem) => first !== undefined && !sameShape(shapeOf(stem), shapeOf(first)));
    if (odd === undefined) return [];
    return [
      at.issue(
        stemEndField(model.stems, odd),
        `${stemsMeetProblem(
          meeting,
          stems.map((stem) => [stem, shapeOf(stem)] as const),
        )}: ${STEMS_MEET_FIX}`,
      ),
    ];
  });
}

/**
 * The stems of a loaded model mapped to inputs it does not have. `inputCount` is how many inputs
 * its model.json declares.
 */
export function checkInputIndices(experiment: Experiment, inputCount: number, modelFile: string, at: ExperimentLocator): ExperimentIssue[] {
  const { model } = experiment;
  if (!isLoadedModel(model)) return [];
  return Object.entries(model.inputs)
    .filter(([, index]) => index >= inputCount)
    .map(([stem, index]) =>
      at.issue(['model', 'inputs', stem], `${modelFile} has no input ${index} (it has ${inputCount}, numbered from 0 in the order of its input layers)`),
    );
}

/** A sample fits an input whose shape, past the batch axis, has as many axes, each of its size or of any size. */
function fitsInput(sample: readonly number[], input: InputShape): boolean {
  const axes = input.slice(1);
  return axes.length === sample.length && axes.every((size, axis) => size === null || size === sample[axis]);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}
