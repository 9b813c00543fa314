/**
 * The mixing and balancing configurations the evidence suite compares (bench/evidence/suite.ts).
 * Each is a list of `--set` overrides on a setup's base experiment (proportional mixing, static
 * balancer), or a function of the setup where an override names its datasets.
 */
import { RECOMMENDED_BALANCING } from '../../src/trainer/scaffold/experimentTemplate';
import { largestDataset, type EvidenceSetup } from './setups';

/** One override as `--set path=value` takes it: `mixing.strategy` = `uniform`, `datasets.tiny.augment` = `{ rotation: 10 }`. */
export interface EvidenceOverride {
  path: string;
  value: string;
}

export interface EvidenceConfig {
  label: string;
  overrides: EvidenceOverride[] | ((setup: EvidenceSetup) => EvidenceOverride[]);
  /**
   * Tuned by hand for this data (per-dataset augmentation, sampling weights): the best of these is
   * what a careful user could reach, and the recommended default should come close to it.
   */
  handTuned?: boolean;
}

/** The label of the configuration whose verdicts the suite reports. */
export const RECOMMENDED_LABEL = 'recommended';

/**
 * jointrain's recommended default, as `scaffold` and "New joint-training experiment" write it
 * (`RECOMMENDED_BALANCING`): temperature mixing, the `sampling` balancer, `augment: auto` on every
 * image dataset. Judged per setup by the suite.
 */
export function recommended(setup: EvidenceSetup): EvidenceOverride[] {
  return [
    { path: 'mixing.strategy', value: 'temperature' },
    { path: 'mixing.temperature', value: String(RECOMMENDED_BALANCING.temperature) },
    { path: 'training.balancer.type', value: RECOMMENDED_BALANCING.balancer },
    ...setup.datasets
      .filter((dataset) => dataset.source.kind === 'images')
      .map((dataset) => ({ path: `datasets.${dataset.name}.augment`, value: RECOMMENDED_BALANCING.imageAugment })),
  ];
}

/** Shifts, rotations and zooms of a few pixels: what a user would try first on a small image set. */
export const SMALL_SET_AUGMENT = '{ rotation: 10, width_shift: 0.1, height_shift: 0.1, zoom: 0.1 }';

const temperature = (t: number): EvidenceOverride[] => [
  { path: 'mixing.strategy', value: 'temperature' },
  { path: 'mixing.temperature', value: String(t) },
];

/** `augment` on every image dataset but the largest (none in a table-only setup). */
export function augmentSmallImageSets(setup: EvidenceSetup): EvidenceOverride[] {
  const largest = largestDataset(setup);
  return setup.datasets
    .filter((dataset) => dataset.source.kind === 'images' && dataset !== largest)
    .map((dataset) => ({ path: `datasets.${dataset.name}.augment`, value: SMALL_SET_AUGMENT }));
}

/** The dataset with the fewest training samples. */
export function smallestDataset(setup: EvidenceSetup): string {
  return setup.datasets.reduce((smallest, dataset) => (dataset.train < smallest.train ? dataset : smallest)).name;
}

const UNIFORM_OVERRIDES: EvidenceOverride[] = [{ path: 'mixing.strategy', value: 'uniform' }];

// Labels are what `cli.ts --configs` takes: no spaces or commas.
export const PROPORTIONAL: EvidenceConfig = { label: 'proportional', overrides: [{ path: 'mixing.strategy', value: 'proportional' }] };
export const UNIFORM: EvidenceConfig = { label: 'uniform', overrides: UNIFORM_OVERRIDES };

/** The configurations of `npm run bench -- evidence`. */
export const BENCH_CONFIGS: EvidenceConfig[] = [
  PROPORTIONAL,
  UNIFORM,
  { label: 'temperature-2', overrides: temperature(2) },
  { label: 'temperature-3', overrides: temperature(3) },
  { label: 'temperature-2+augment', overrides: (setup) => [...temperature(2), ...augmentSmallImageSets(setup)], handTuned: true },
  {
    label: 'temperature-2+augment+smallest-x1.5',
    overrides: (setup) => [...temperature(2), ...augmentSmallImageSets(setup), { path: `datasets.${smallestDataset(setup)}.sampling_weight`, value: '1.5' }],
    handTuned: true,
  },
  { label: 'uniform+augment', overrides: (setup) => [...UNIFORM_OVERRIDES, ...augmentSmallImageSets(setup)], handTuned: true },
  { label: RECOMMENDED_LABEL, overrides: recommended },
];

export function configNamed(label: string): EvidenceConfig {
  const config = BENCH_CONFIGS.find((candidate) => candidate.label === label);
  if (!config) throw new Error(`unknown evidence config "${label}": choose from ${BENCH_CONFIGS.map((c) => c.label).join(', ')}`);
  return config;
}

export function resolveOverrides(config: EvidenceConfig, setup: EvidenceSetup): EvidenceOverride[] {
  return typeof config.overrides === 'function' ? config.overrides(setup) : config.overrides;
}
