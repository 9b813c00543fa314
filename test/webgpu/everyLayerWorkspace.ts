import { readFileSync, writeFileSync } from 'node:fs';
import { createTinyWorkspace, type TinyWorkspaceOptions } from '../fixtures/tinyWorkspace';

/** The tiny workspace with a model that uses every layer type: its image datasets (one added) each on a stem of its own. */
export async function everyLayerWorkspace(options: TinyWorkspaceOptions = { epochs: 2, strategy: 'uniform' }) {
  const workspace = await createTinyWorkspace(options);
  const yaml = readFileSync(workspace.experimentFile, 'utf8');
  const model = [
    'model:',
    '  stems:',
    '    image:',
    '      layers:',
    '        - { type: conv2d, filters: 4, kernel_size: 3, padding: same, activation: relu }',
    '        - { type: batch_normalization }',
    '        - { type: max_pooling2d }',
    '        - { type: conv2d, filters: 4, kernel_size: 3, padding: same }',
    '        - { type: average_pooling2d }',
    '        - { type: layer_normalization }',
    '        - { type: activation, activation: tanh }',
    '        - { type: flatten }',
    '        - { type: dense, units: 16, activation: relu }',
    '    shifted:',
    '      layers:',
    '        - { type: conv2d, filters: 4, kernel_size: 3, activation: elu }',
    '        - { type: global_max_pooling2d }',
    '        - { type: dense, units: 16 }',
    '    pooled:',
    '      layers:',
    '        - { type: conv2d, filters: 4, kernel_size: 3, activation: sigmoid }',
    '        - { type: global_average_pooling2d }',
    '        - { type: dense, units: 16 }',
    '    table: { layers: [ { type: dense, units: 16, activation: relu } ] }',
    '    pair: { layers: [ { type: dense, units: 16, activation: relu } ] }',
    '  trunk: [ { type: dense, units: 16, activation: relu } ]',
    '  heads:',
    '    side: { task: classification }',
    '    kind: { task: classification }',
    '    value: { task: regression, loss: mse }',
  ].join('\n');
  const edited = yaml
    .replace(/model:\n[\s\S]*?\ntraining:/, `${model}\ntraining:`)
    .replace('    path: data/small\n', '    path: data/small\n    stem: shifted\n')
    .replace(/(name: small[\s\S]*?)\n    stem: image\n/, '$1\n')
    .replace(
      '\nmixing:',
      [
        '',
        '  - name: pooled',
        '    type: images',
        '    path: data/small',
        '    image: { size: [8, 8], channels: 1 }',
        '    validation: { split: 0.25 }',
        '    stem: pooled',
        '    head: side',
        'mixing:',
      ].join('\n'),
    );
  writeFileSync(workspace.experimentFile, edited);
  return workspace;
}
