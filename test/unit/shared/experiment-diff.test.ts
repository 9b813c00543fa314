import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distinguishingLabels, experimentDifferences } from '../../../src/shared/experiment/experimentDiff';

test('the differences between experiments are the fields whose values are not all the same, each run’s value in order', () => {
  const base = 'version: 1\nname: digits\nmixing: { strategy: temperature, temperature: 3 }\ndatasets:\n  - { name: a, sampling_weight: 1 }\n  - { name: b }\n';
  const other = base.replace('temperature: 3', 'temperature: 2').replace('  - { name: b }', '  - { name: b, sampling_weight: 1.5 }');
  assert.deepEqual(experimentDifferences([base, other, base]), [
    { field: 'mixing.temperature', values: ['3', '2', '3'] },
    { field: 'datasets[1].sampling_weight', values: ['—', '1.5', '—'] },
  ]);
  assert.deepEqual(experimentDifferences([base, base]), []);
});

test('run ids are shortened to the parts that tell them apart', () => {
  assert.deepEqual(distinguishingLabels(['20261206-032922-digits-3667', '20261206-041000-digits-a1b2']), ['032922-3667', '041000-a1b2']);
  assert.deepEqual(
    distinguishingLabels(['20261206-032922-digits-3667', 'my-run']),
    ['20261206-032922-digits-3667', 'my-run'],
    'ids that do not split alike stay whole',
  );
});
