import type { ExperimentIssue } from '../../shared/experiment/issues';
import type { ExperimentLocator } from '../../shared/experiment/locate';
import { isLoadedModel, type Experiment } from '../../shared/experiment/schema';

/** What to do about two datasets whose samples cannot share a stem; also said when training finds it. */
export const STEM_SHAPE_FIX = 'give both datasets the same preprocessing (image size and channels, or feature columns), or route them to different stems';

/** The problem of a dataset whose samples differ in shape from those of an earlier dataset on the same stem. */
export function stemShapeConflict(stem: string, dataset: string, shape: readonly number[], owner: string, ownerShape: readonly number[]): string {
  return `incompatible input shapes on stem '${stem}': dataset '${dataset}' gives [${shape.join(',')}] but '${owner}' gives [${ownerShape.join(',')}]`;
}

/**
 * Datasets feeding one stem must give samples of one shape, the stem's input. `sampleShapes[i]` is
 * dataset i's sample shape, undefined where its files could not tell (their issues are reported
 * already). Each conflict sits on the later dataset's `stem` (or on the dataset, when its stem is implicit).
 */
export function checkStemShapes(experiment: Experiment, sampleShapes: ReadonlyArray<readonly number[] | undefined>, at: ExperimentLocator): ExperimentIssue[] {
  const stems = modelStems(experiment);
  const first = new Map<string, { name: string; shape: readonly number[] }>();
  return experiment.datasets.flatMap((dataset, index) => {
    const stem = dataset.stem ?? (stems.length === 1 ? stems[0] : undefined);
    const shape = sampleShapes[index];
    if (stem === undefined || shape === undefined) return [];
    const owner = first.get(stem);
    if (!owner) {
      first.set(stem, { name: dataset.name, shape });
      return [];
    }
    if (sameShape(owner.shape, shape)) return [];
    const field = dataset.stem === undefined ? ['datasets', index] : ['datasets', index, 'stem'];
    return [at.issue(field, `${stemShapeConflict(stem, dataset.name, shape, owner.name, owner.shape)}: ${STEM_SHAPE_FIX}`)];
  });
}

function modelStems({ model }: Experiment): string[] {
  return Object.keys(isLoadedModel(model) ? model.inputs : model.stems);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}
