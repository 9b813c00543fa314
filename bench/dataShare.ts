/**
 * Part (c) of the input-pipeline benchmark: how much of a training step is spent getting the
 * batch's data from the decode cache into tensors, on the benchmark backend.
 */
import type { AugmentSpec } from '../src/shared/experiment/schema';
import { DatasetSchema } from '../src/shared/experiment/schema';
import { table, verdict } from './markdown';
import { fixed, median, percent } from './stats';
import { measureStepPhases, type StepPhases } from './stepPhases';
import { loadTrainingSetup } from './trainingSetup';

const DATA_SHARE_GOAL = 0.05;
const PHASE_STEPS = { warmupSteps: 20, steps: 300 };
const PHASE_REPEATS = 3;

export interface DataShareOptions {
  imagesDir: string;
  cacheDir: string;
  /** The backend's description, for the heading. */
  backend: string;
}

export async function dataShare({ imagesDir, cacheDir, backend }: DataShareOptions): Promise<string[]> {
  const setup = await loadTrainingSetup(imagesDir, cacheDir);
  const plain: StepPhases[] = [];
  for (let i = 0; i < PHASE_REPEATS; i++) plain.push(await measureStepPhases(setup, PHASE_STEPS));
  const augmented = await measureStepPhases(setup, { ...PHASE_STEPS, augment: exampleCleanAugment() });
  setup.data.close();
  const shareOf = (phases: StepPhases) => phases.dataMs / phases.totalMs;
  const share = median(plain.map(shareOf));
  const row = (label: string, phases: StepPhases) => [
    label,
    fixed(phases.drawMs, 3),
    fixed(phases.dataMs, 3),
    fixed(phases.readBatchMs, 3),
    fixed(phases.trainMs, 2),
    fixed(phases.disposeMs, 3),
    fixed(phases.totalMs, 2),
    percent(shareOf(phases)),
  ];
  return [
    `#### (c) Data time per 64-sample step, from the cache — ${backend}, mean of ${PHASE_STEPS.steps} steps after ${PHASE_STEPS.warmupSteps} warm-up`,
    '',
    '"data" is `datasetBatch`: `readBatch` from the decode cache plus creating the image and label tensors (and augmenting, in the last row).',
    '',
    ...table(
      ['step', 'draw ms', 'data ms', '(readBatch ms)', 'trainStep ms', 'dispose ms', 'step ms', 'data / step'],
      [...plain.map((phases, i) => row(`no augmentation, run ${i + 1}`, phases)), row("with the example's `clean` augmentation", augmented)],
    ),
    '',
    `(c) data share of a step, median of the ${PHASE_REPEATS} runs without augmentation: ${percent(share)} — ${verdict(share <= DATA_SHARE_GOAL, `≤ ${percent(DATA_SHARE_GOAL, 0)}`)}.`,
  ];
}

/** The augmentation the bundled example gives its `clean` dataset. */
function exampleCleanAugment(): AugmentSpec {
  const spec = DatasetSchema.parse({
    name: 'clean',
    type: 'images',
    path: '.',
    image: { size: [28, 28], channels: 1 },
    augment: { rotation: 10, width_shift: 0.1, height_shift: 0.1 },
  });
  if (spec.type !== 'images' || spec.augment === undefined || spec.augment === 'auto') throw new Error('the example augmentation did not parse');
  return spec.augment;
}
