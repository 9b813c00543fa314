import { relative, sep } from 'node:path';
import { stringify } from 'yaml';
import type { InspectedSource } from './inspectSources';

/** Images are resized to at most this many pixels a side: a first experiment should train in minutes. */
const MAX_SIDE = 64;

/**
 * The balancing a new experiment starts with, measured against uniform, proportional and hand-tuned
 * settings on data it was not tuned on (bench/README.md, benchmark 10; the suite reads it from here):
 * temperature mixing, the `sampling` balancer moving shares by validation loss, and `augment: auto`
 * on image datasets so that a small one that gets memorised is augmented.
 */
export const RECOMMENDED_BALANCING = Object.freeze({ temperature: 2, balancer: 'sampling', imageAugment: 'auto' } as const);

/**
 * A commented experiment that trains the datasets as they are: image datasets with the same classes
 * share one head (a shared label space is what joint training is for), every other dataset gets a
 * head of its own; an `image` stem for every image dataset (resized to one size) and a `table` stem
 * for the CSVs of each feature count (a stem takes one input shape), each ending in 64 units so
 * that the trunk can be shared. A dataset with a validation split found beside it uses it.
 */
export function experimentTemplate(sources: readonly InspectedSource[], experimentDir: string, name: string): string {
  const names = uniqueNames(sources.map((source) => source.name));
  const heads = headsOf(sources, names);
  const images = sources.filter((source) => source.kind === 'images');
  const size = commonSize(images.map((source) => source.size));
  const channels = images.some((source) => source.channels === 3) ? 3 : 1;
  const tableStems = tableStemsByFeatureCount(sources);
  const where = (path: string) => yamlValue(relative(experimentDir, path).split(sep).join('/') || '.');
  const lines = [
    '# A jointrain experiment written by "New joint-training experiment". Hover any key for its',
    '# documentation; `jointrain validate` (or saving the file in VS Code) checks it and its data.',
    'version: 1',
    `name: ${yamlValue(name)}`,
    'datasets:',
  ];
  sources.forEach((source, index) => {
    const datasetName = names[index] ?? source.name;
    lines.push(`  - name: ${yamlValue(datasetName)}`, ...foundComment(source, where));
    if (source.kind === 'images') {
      lines.push(
        '    type: images',
        `    path: ${where(source.path)}`,
        `    image: { size: [${size[0]}, ${size[1]}], channels: ${channels} }   # first image: ${source.size[0]}×${source.size[1]}, ${source.channels === 1 ? 'greyscale' : 'colour'}`,
        `    augment: ${RECOMMENDED_BALANCING.imageAugment}                 # switched on (rotation, shifts, zoom) if the run finds this dataset memorised`,
        '    stem: image',
      );
    } else {
      const features = featureColumns(source);
      lines.push(
        '    type: csv',
        `    path: ${where(source.path)}`,
        `    csv: { label: ${yamlValue(source.label)}, features: [${features.map(yamlValue).join(', ')}] }`,
        `    stem: ${tableStems.get(features.length) ?? 'table'}`,
      );
    }
    lines.push(
      `    head: ${yamlValue(heads.of[index] ?? datasetName)}`,
      source.validation
        ? `    validation: { path: ${where(source.validation.path)} }`
        : '    validation: { split: 0.2 }   # no validation folder beside it: 20% of each class held out',
      ...(source.test ? [`    test: { path: ${where(source.test.path)} }   # evaluated once, with the run's model, when training ends`] : []),
    );
  });
  const monitor = heads.list.some((head) => head.task === 'classification') ? 'val_accuracy_worst' : 'val_loss_mean';
  lines.push(
    'mixing:',
    '  strategy: temperature         # proportional | uniform | temperature | weights',
    `  temperature: ${RECOMMENDED_BALANCING.temperature}                # 1 = proportional to size; larger = closer to uniform`,
    'model:',
    '  stems:                        # one per input shape; all end in 64 units so the trunk is shared',
  );
  if (images.length) lines.push('    image: { layers: [{ type: flatten }, { type: dense, units: 64, activation: relu }] }');
  for (const [count, stem] of tableStems)
    lines.push(`    ${stem}: { layers: [{ type: dense, units: 64, activation: relu }] }   # ${count} feature${count === 1 ? '' : 's'}`);
  lines.push(
    '  trunk: [{ type: dense, units: 64, activation: relu }]',
    '  heads:                        # datasets on one classification head share its classes',
  );
  for (const head of heads.list)
    lines.push(`    ${yamlValue(head.name)}: ${head.task === 'regression' ? '{ task: regression, loss: mse }' : '{ task: classification }'}${head.comment}`);
  lines.push(
    'training:',
    `  epochs: ${epochCap(sources)}                    # a cap: early stopping ends the run when ${monitor} stops improving`,
    '  batch_size: 64',
    '  optimizer: { type: adam, learning_rate: 0.001 }',
    `  balancer: { type: ${RECOMMENDED_BALANCING.balancer} }  # more share to datasets whose validation loss lags and still falls (static | uncertainty | dwa | gradnorm | pcgrad | sampling)`,
    `  early_stopping: { monitor: ${monitor}, patience: 5 }`,
    `  checkpoint: { monitor: ${monitor} }   # model/ = the epoch best by it${monitor === 'val_accuracy_worst' ? ': the weakest dataset decides' : ''}`,
    '  seed: 42',
    '',
  );
  return lines.join('\n');
}

/**
 * How many epochs at most: an epoch covers the largest dataset once, so small data needs many to
 * train and large data few; early stopping ends the run before the cap once it stops improving.
 */
export function epochCap(sources: readonly InspectedSource[]): number {
  const largest = Math.max(0, ...sources.map((source) => (source.kind === 'images' ? source.images : source.rows)));
  if (largest <= 2_000) return 60;
  if (largest <= 20_000) return 30;
  return 15;
}

/** One comment line per fact found about a dataset: what it holds, its splits, what it ignores. */
function foundComment(source: InspectedSource, where: (path: string) => string): string[] {
  const holds =
    source.kind === 'images'
      ? `${source.images} training images in ${source.classes.length} classes (${summary(source.classes)})`
      : `${source.rows} training rows; label column \`${source.label}\` (${source.task})`;
  const unit = source.kind === 'images' ? 'images' : 'rows';
  return [
    `    # found: ${holds}`,
    ...(source.validation ? [`    # validation: ${source.validation.count} ${unit} in ${where(source.validation.path)}`] : []),
    ...(source.test ? [`    # test: ${source.test.count} ${unit} in ${where(source.test.path)}, kept out of training and validation`] : []),
    ...(source.ignored.length ? [`    # ignored beside it: ${summary(source.ignored)}`] : []),
  ];
}

interface Head {
  name: string;
  task: 'classification' | 'regression';
  comment: string;
}

/** Image datasets with identical classes share a head; each other dataset has its own. */
function headsOf(sources: readonly InspectedSource[], names: readonly string[]): { of: string[]; list: Head[] } {
  const byClasses = new Map<string, number[]>();
  sources.forEach((source, index) => {
    if (source.kind !== 'images') return;
    const key = JSON.stringify(source.classes);
    byClasses.set(key, [...(byClasses.get(key) ?? []), index]);
  });
  const shared = [...byClasses.values()].filter((members) => members.length > 1);
  const taken = new Set(names);
  const of: string[] = [];
  const list: Head[] = [];
  shared.forEach((members, group) => {
    let name = group === 0 ? 'classes' : `classes_${group + 1}`;
    while (taken.has(name)) name = `${name}_`;
    taken.add(name);
    members.forEach((index) => (of[index] = name));
    list.push({ name, task: 'classification', comment: `   # shared by ${members.map((i) => names[i]).join(', ')}: the same classes` });
  });
  sources.forEach((source, index) => {
    if (of[index] !== undefined) return;
    const name = names[index] ?? source.name;
    of[index] = name;
    list.push({ name, task: source.kind === 'csv' && source.task === 'regression' ? 'regression' : 'classification', comment: '' });
  });
  return { of, list };
}

function featureColumns(source: Extract<InspectedSource, { kind: 'csv' }>): string[] {
  return source.columns.filter((column) => column !== source.label);
}

/** A stem name per distinct feature count of the CSV sources, in order: `table`, `table_2`, … */
function tableStemsByFeatureCount(sources: readonly InspectedSource[]): Map<number, string> {
  const stems = new Map<number, string>();
  for (const source of sources) {
    if (source.kind !== 'csv') continue;
    const count = featureColumns(source).length;
    if (!stems.has(count)) stems.set(count, stems.size === 0 ? 'table' : `table_${stems.size + 1}`);
  }
  return stems;
}

function commonSize(sizes: ReadonlyArray<[number, number]>): [number, number] {
  const [height, width] = sizes[0] ?? [MAX_SIDE, MAX_SIDE];
  const scale = Math.min(1, MAX_SIDE / Math.max(height, width));
  return [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
}

/** Dataset names as the schema allows them (letters, digits, `.`, `-`, `_`), each once. */
function uniqueNames(raw: readonly string[]): string[] {
  const used = new Set<string>();
  return raw.map((name) => {
    const base = name.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'data';
    let unique = base;
    for (let suffix = 2; used.has(unique); suffix += 1) unique = `${base}_${suffix}`;
    used.add(unique);
    return unique;
  });
}

function summary(classes: readonly string[]): string {
  return classes.length > 6 ? `${classes.slice(0, 6).join(', ')}, …` : classes.join(', ');
}

function yamlValue(value: string): string {
  return stringify(value).trimEnd();
}
