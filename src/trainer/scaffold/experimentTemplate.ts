import { relative, sep } from 'node:path';
import { stringify } from 'yaml';
import type { InspectedSource } from './inspectSources';

/** Images are resized to at most this many pixels a side: a first experiment should train in minutes. */
const MAX_SIDE = 64;

/**
 * A commented experiment that trains the sources as they are: one head per dataset (a dataset's
 * classes are its own), an `image` stem for every image dataset (resized to one size) and a
 * `table` stem for the CSVs of each feature count (a stem takes one input shape), each ending in
 * 64 units so that the trunk can be shared.
 */
export function experimentTemplate(sources: readonly InspectedSource[], experimentDir: string, name: string): string {
  const names = uniqueNames(sources.map((source) => source.name));
  const images = sources.filter((source) => source.kind === 'images');
  const size = commonSize(images.map((source) => source.size));
  const channels = images.some((source) => source.channels === 3) ? 3 : 1;
  const tableStems = tableStemsByFeatureCount(sources);
  const lines = [
    '# A jointrain experiment written by "New joint-training experiment". Hover any key for its',
    '# documentation; `jointrain validate` (or saving the file in VS Code) checks it and its data.',
    'version: 1',
    `name: ${yamlValue(name)}`,
    'datasets:',
  ];
  sources.forEach((source, index) => {
    const datasetName = names[index] ?? source.name;
    const path = relative(experimentDir, source.path).split(sep).join('/') || '.';
    lines.push(`  - name: ${yamlValue(datasetName)}`);
    if (source.kind === 'images') {
      lines.push(
        `    type: images                # ${source.images} images in ${source.classes.length} classes: ${summary(source.classes)}`,
        `    path: ${yamlValue(path)}`,
        `    image: { size: [${size[0]}, ${size[1]}], channels: ${channels} }   # first image: ${source.size[0]}×${source.size[1]}, ${source.channels} channel${source.channels === 1 ? '' : 's'}`,
        '    stem: image',
      );
    } else {
      const features = featureColumns(source);
      lines.push(
        `    type: csv                   # ${source.rows} rows`,
        `    path: ${yamlValue(path)}`,
        `    csv: { label: ${yamlValue(source.label)}, features: [${features.map(yamlValue).join(', ')}] }`,
        `    stem: ${tableStems.get(features.length) ?? 'table'}`,
      );
    }
    lines.push(`    head: ${yamlValue(datasetName)}`, '    validation: { split: 0.2 }   # or { path: … } for a separate validation source');
  });
  lines.push(
    'mixing:',
    '  strategy: temperature         # proportional | uniform | temperature | weights',
    '  temperature: 3                # 1 = proportional to size; larger = closer to uniform',
    'model:',
    '  stems:                        # one per input shape; all end in 64 units so the trunk is shared',
  );
  if (images.length) lines.push('    image: { layers: [{ type: flatten }, { type: dense, units: 64, activation: relu }] }');
  for (const [count, stem] of tableStems) lines.push(`    ${stem}: { layers: [{ type: dense, units: 64, activation: relu }] }   # ${count} feature${count === 1 ? '' : 's'}`);
  lines.push('  trunk: [{ type: dense, units: 64, activation: relu }]', '  heads:                        # one per dataset; datasets on one classification head share its classes');
  sources.forEach((source, index) => {
    const task = source.kind === 'csv' && source.task === 'regression' ? '{ task: regression, loss: mse }' : '{ task: classification }';
    lines.push(`    ${yamlValue(names[index] ?? source.name)}: ${task}`);
  });
  lines.push(
    'training:',
    '  epochs: 10',
    '  batch_size: 64',
    '  optimizer: { type: adam, learning_rate: 0.001 }',
    '  balancer: { type: dwa }       # raise the weight of datasets whose loss stalls (static | uncertainty | dwa | gradnorm | pcgrad)',
    '  seed: 42',
    '',
  );
  return lines.join('\n');
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
