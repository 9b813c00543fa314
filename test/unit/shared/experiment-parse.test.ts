import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExperiment } from '../../../src/shared/experiment/parse';
import { locatedIssue as located } from '../support/locatedIssue';

const FILE = 'exp.jointrain.yaml';

function issuesOf(lines: string[]): string[] {
  const parsed = parseExperiment(`${lines.join('\n')}\n`, FILE);
  for (const issue of parsed.issues) assert.equal(issue.file, FILE);
  return parsed.issues.map(located);
}

/** One images dataset on a one-stem, one-head model; lines 3–7 are the dataset. */
const MINIMAL = [
  'version: 1', //                                   1
  'datasets:', //                                    2
  '  - name: digits', //                             3
  '    type: images', //                             4
  '    path: data/digits', //                        5
  '    image: { size: [28, 28] }', //                6
  'model:', //                                       7
  '  stems:', //                                     8
  '    image: {}', //                                9
  '  heads:', //                                     10
  '    digit: { task: classification }', //          11
];

/** Two datasets on two stems and two heads; the first dataset starts at line 3, the second after `first`. */
function twoDatasets(first: string[] = [], second: string[] = [], tail: string[] = []): string[] {
  return [
    'version: 1',
    'datasets:',
    '  - name: clean',
    '    type: images',
    '    path: data/clean',
    '    image: { size: [28, 28], channels: 1 }',
    '    head: digit',
    '    stem: image',
    ...first,
    '  - name: sensors',
    '    type: csv',
    '    path: data/sensors.csv',
    '    csv: { label: kind }',
    '    head: sensor',
    '    stem: table',
    ...second,
    'model:',
    '  stems:',
    '    image: { layers: [ { type: flatten } ] }',
    '    table: {}',
    '  heads:',
    '    digit: { task: classification }',
    '    sensor: { task: classification }',
    ...tail,
  ];
}

test('a valid minimal file yields the experiment with every default filled in', () => {
  const parsed = parseExperiment(`${MINIMAL.join('\n')}\n`, FILE);
  assert.deepEqual(parsed.issues, []);
  assert.deepEqual(parsed.experiment, {
    version: 1,
    datasets: [
      {
        name: 'digits',
        type: 'images',
        path: 'data/digits',
        image: { size: [28, 28], channels: 3, scale: 'unit' },
        validation: { split: 0.2 },
        loss_weight: 1,
        sampling_weight: 1,
      },
    ],
    mixing: { strategy: 'temperature', temperature: 2, epoch_end: 'all_exhausted' },
    model: { stems: { image: { layers: [] } }, trunk: [], heads: { digit: { task: 'classification', layers: [] } } },
    training: {
      epochs: 10,
      batch_size: 64,
      optimizer: { type: 'adam', learning_rate: 0.001, momentum: 0.9, weight_decay: 0.01 },
      l2: 0,
      seed: 42,
      backend: 'auto',
      threads: 'auto',
      checkpoint: { every_epochs: 1, keep_last: 2, keep_best: true, monitor: 'val_loss_mean' },
      balancer: { type: 'static', mode: 'auto', temperature: 2, alpha: 1.5, learning_rate: 0.025, max_step: 1.25, range: [0.5, 4], max_repeat_ratio: 25 },
      diagnostics: { every: 50 },
    },
  });
});

test('the example with two datasets, stems and heads is valid', () => {
  const parsed = parseExperiment(`${twoDatasets([], [], ['mixing: { strategy: temperature, temperature: 2 }']).join('\n')}\n`, FILE);
  assert.deepEqual(parsed.issues, []);
  assert.equal(parsed.experiment?.datasets[1]?.type, 'csv');
});

test('a YAML syntax error is reported at its position and stops validation', () => {
  assert.deepEqual(issuesOf(['version: 1', 'datasets: [', '  - name: x']), [
    '3:3-4:1 error : invalid YAML: block collections are not allowed within flow collections',
    '4:1-4:2 error : invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
});

test('a missing closing quote is a syntax error with no experiment', () => {
  const parsed = parseExperiment('version: 1\nname: "open\n', FILE);
  assert.equal(parsed.experiment, undefined);
  assert.deepEqual(parsed.issues.map(located), ['3:1-3:2 error : invalid YAML: missing closing "quote']);
});

test('a duplicate key underlines the second key and names the line of the first', () => {
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 5), '    path: data/other', ...MINIMAL.slice(5)]), [
    '6:5-6:9 error datasets[0].path: duplicate key `path` (first on line 5): remove one of them',
  ]);
});

test('an unknown top-level key suggests the closest allowed key', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'trainng: { epochs: 3 }']), ['12:1-12:8 error trainng: unknown key `trainng` — did you mean `training`?']);
});

test('an unknown key inside a dataset suggests among the keys of that dataset type', () => {
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 6), '    los_weight: 2', ...MINIMAL.slice(6)]), [
    '7:5-7:15 error datasets[0].los_weight: unknown key `los_weight` — did you mean `loss_weight`?',
  ]);
});

test('an unknown key with no close match lists the keys allowed there', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'mixing: { colour: red }']), [
    '12:11-12:17 error mixing.colour: unknown key `colour`; allowed here: strategy, temperature, temperature_schedule, epoch_end',
  ]);
});

test('a misspelt key is not also reported as missing', () => {
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 6), '    validation: { splt: 0.1 }', ...MINIMAL.slice(6)]), [
    '7:19-7:23 error datasets[0].validation.splt: unknown key `splt` — did you mean `split`?',
  ]);
});

test('a value of the wrong type says what was expected and what was found', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'training: { epochs: many }']), ['12:21-12:25 error training.epochs: expected a number, got "many"']);
});

test('a negative weight is out of range', () => {
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 6), '    loss_weight: -1', ...MINIMAL.slice(6)]), [
    '7:18-7:20 error datasets[0].loss_weight: expected a number >= 0, got -1',
  ]);
});

test('non-finite weights (.nan, .inf) are rejected as they are written', () => {
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 6), '    loss_weight: .nan', '    sampling_weight: .inf', ...MINIMAL.slice(6)]), [
    '7:18-7:22 error datasets[0].loss_weight: expected a finite number, got .nan',
    '8:22-8:26 error datasets[0].sampling_weight: expected a finite number, got .inf',
  ]);
});

test('a misspelt option lists the options and suggests the closest', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'mixing: { strategy: uniformm }']), [
    '12:21-12:29 error mixing.strategy: expected one of proportional, uniform, temperature, weights; got "uniformm" — did you mean "uniform"?',
  ]);
});

test('an unknown dataset type is explained by the discriminator, not as a generic union failure', () => {
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 3), '    type: imagez', ...MINIMAL.slice(4)]), [
    '4:11-4:17 error datasets[0].type: expected one of images, csv; got "imagez" — did you mean "images"?',
  ]);
});

test('a union of alternatives reports the alternative the value resembles', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'mixing: { epoch_end: { step: 0 } }']), [
    '12:24-12:28 error mixing.epoch_end.step: unknown key `step` — did you mean `steps`?',
  ]);
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 5), '    image: { size: [28, 28], channels: 2 }', ...MINIMAL.slice(6)]), [
    '6:40-6:41 error datasets[0].image.channels: expected one of 1, 3; got 2',
  ]);
});

test('a loaded model with a misspelt key is matched to the loaded form', () => {
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 6), 'model: { from: model.json, inputs: { image: 0 }, output: { digit: 0 } }']), [
    '7:50-7:56 error model.output: unknown key `output` — did you mean `outputs`?',
  ]);
});

test('a missing required key points at the map that lacks it', () => {
  assert.deepEqual(issuesOf([...MINIMAL.slice(0, 4), ...MINIMAL.slice(5)]), ['3:5-3:9 error datasets[0]: missing required key `path`']);
});

test('a missing or unsupported version says which version is supported', () => {
  assert.deepEqual(issuesOf(MINIMAL.slice(1)), ['1:1-1:9 error : missing `version`: add `version: 1` at the top (the experiment format this jointrain reads)']);
  assert.deepEqual(issuesOf(['version: 2', ...MINIMAL.slice(1)]), [
    '1:10-1:11 error version: unsupported format version 2: this jointrain reads version 1; set `version: 1`',
  ]);
});

test('an empty file asks for the top-level keys', () => {
  assert.deepEqual(issuesOf(['']), ['1:1-1:1 error : the file is empty: start with `version: 1`, then `datasets` and `model`']);
});

test('all-zero sampling weights are an error on the last dataset', () => {
  assert.deepEqual(issuesOf(twoDatasets(['    sampling_weight: 0'], ['    sampling_weight: 0'])), [
    '16:22-16:23 error datasets[1].sampling_weight: every dataset has sampling_weight 0, so no batch can be drawn: give at least one dataset a sampling_weight > 0',
  ]);
});

test('all-zero loss weights are an error on the last dataset', () => {
  assert.deepEqual(issuesOf(twoDatasets(['    loss_weight: 0'], ['    loss_weight: 0'])), [
    '16:18-16:19 error datasets[1].loss_weight: every dataset has loss_weight 0, so nothing would be learned: give at least one dataset a loss_weight > 0',
  ]);
});

test('a zero weight on one dataset only is fine', () => {
  assert.deepEqual(issuesOf(twoDatasets(['    loss_weight: 0', '    sampling_weight: 0'])), []);
});

test('a head that the model does not define suggests the closest defined head', () => {
  const lines = twoDatasets();
  lines[6] = '    head: digits';
  assert.deepEqual(issuesOf(lines), ['7:11-7:17 error datasets[0].head: head `digits` is not defined in model.heads — did you mean `digit`?']);
});

test('a stem that the model does not define, with nothing close, lists the defined stems', () => {
  const lines = twoDatasets();
  lines[7] = '    stem: pixels';
  assert.deepEqual(issuesOf(lines), ['8:11-8:17 error datasets[0].stem: stem `pixels` is not defined in model.stems; defined: image, table']);
});

test('an omitted head when the model has several says which to choose from', () => {
  const lines = twoDatasets();
  lines.splice(6, 1);
  assert.deepEqual(issuesOf(lines), ['3:5-3:9 error datasets[0]: no `head` given and model.heads defines several: add `head:` with one of digit, sensor']);
});

test('duplicate dataset names are an error on the second name', () => {
  const lines = twoDatasets();
  lines[8] = '  - name: clean';
  assert.deepEqual(issuesOf(lines), [
    '9:11-9:16 error datasets[1].name: duplicate dataset name `clean` (also used by datasets[0]): give each dataset a unique name',
  ]);
});

test('an images dataset on a regression head, and class weights there, are errors', () => {
  const lines = twoDatasets(['    class_weights: { "3": 2 }']);
  lines[lines.length - 2] = '    digit: { task: regression }';
  assert.deepEqual(issuesOf(lines), [
    '7:11-7:16 error datasets[0].head: images datasets need a classification head; `digit` is a regression head',
    '9:5-9:18 error datasets[0].class_weights: class_weights apply to classification only; `digit` is a regression head: remove class_weights',
  ]);
});

test('a temperature with another strategy is a warning and the experiment is still valid', () => {
  const parsed = parseExperiment(`${[...MINIMAL, 'mixing: { strategy: uniform, temperature: 3 }'].join('\n')}\n`, FILE);
  assert.deepEqual(parsed.issues.map(located), [
    '12:43-12:44 warning mixing.temperature: temperature is used only by the temperature strategy (strategy is "uniform"): remove it or set `strategy: temperature`',
  ]);
  assert.equal(parsed.experiment?.mixing.strategy, 'uniform');
});

test('the sampling balancer may suggest; its settings with another balancer, and suggest mode on a balancer that proposes nothing, are flagged at their place', () => {
  const training = (balancer: string) => parseExperiment(`${[...MINIMAL, `training: { balancer: ${balancer} }`].join('\n')}\n`, FILE);
  assert.deepEqual(training('{ type: sampling, mode: suggest, max_step: 1.5 }').issues, []);
  assert.deepEqual(training('{ type: dwa, max_repeat_ratio: 10 }').issues.map(located), [
    '12:54-12:56 warning training.balancer.max_repeat_ratio: max_repeat_ratio is used only by the sampling balancer (type is "dwa"): remove it or set `type: sampling`',
  ]);
  assert.deepEqual(training('{ type: pcgrad, mode: suggest }').issues.map(located), [
    '12:45-12:52 error training.balancer.mode: only dwa, gradnorm and sampling suggest changes; `pcgrad` has nothing to suggest: use `mode: auto` or `type: sampling`',
  ]);
});

test('a declared head that no dataset trains is a warning', () => {
  assert.deepEqual(issuesOf(twoDatasets([], [], ['    spare: { task: regression }'])), [
    '22:5-22:10 warning model.heads.spare: no dataset trains head `spare`: point a dataset at it (`head: spare`) or remove it',
  ]);
});

test('with a loaded model, heads and stems must be keys of outputs and inputs', () => {
  const lines = [...MINIMAL.slice(0, 6), '    head: digit', '    stem: img', 'model: { from: model.json, inputs: { image: 0 }, outputs: { digit: 0 } }'];
  assert.deepEqual(issuesOf(lines), ['8:11-8:14 error datasets[0].stem: stem `img` is not defined in model.inputs; defined: image']);
});

test('an unknown alias is reported where it is used', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'training: *defaults']), [
    '12:11-12:20 error training: unknown alias `*defaults`: define the anchor `&defaults` before using it',
  ]);
});

test('an override changes a field as if the file said so', () => {
  const parsed = parseExperiment(`${MINIMAL.join('\n')}\n`, FILE, [
    { path: 'training.epochs', value: '3' },
    { path: 'datasets[0].loss_weight', value: '0.5' },
  ]);
  assert.deepEqual(parsed.issues, []);
  assert.equal(parsed.experiment?.training.epochs, 3);
  assert.equal(parsed.experiment?.datasets[0]?.loss_weight, 0.5);
});

test('an invalid override value is reported at the key it replaces, naming the override', () => {
  const parsed = parseExperiment(`${[...MINIMAL, 'mixing: { strategy: uniform }'].join('\n')}\n`, FILE, [{ path: 'mixing.strategy', value: 'uniformm' }]);
  assert.deepEqual(parsed.issues.map(located), [
    '12:11-12:19 error mixing.strategy: expected one of proportional, uniform, temperature, weights; got "uniformm" — did you mean "uniform"? (set by override mixing.strategy=uniformm)',
  ]);
});

test('an override of an item that does not exist is refused', () => {
  const parsed = parseExperiment(`${MINIMAL.join('\n')}\n`, FILE, [{ path: 'datasets.3.name', value: 'x' }]);
  assert.deepEqual(parsed.issues.map(located), ['1:1-1:1 error : override datasets.3.name=x: datasets has 1 item(s), so there is no index 3']);
});

test('an override may name a dataset instead of counting it, dots and dashes in its name included', () => {
  const text = `${twoDatasets().join('\n')}\n`.replace('name: clean', 'name: mnist-rot').replace('name: sensors', 'name: mnist.v2');
  const parsed = parseExperiment(text, FILE, [
    { path: 'datasets.mnist-rot.loss_weight', value: '0.5' },
    { path: 'datasets.mnist.v2.sampling_weight', value: '2' },
  ]);
  assert.deepEqual(parsed.issues, []);
  assert.deepEqual(
    parsed.experiment?.datasets.map((d) => [d.name, d.loss_weight, d.sampling_weight]),
    [
      ['mnist-rot', 0.5, 1],
      ['mnist.v2', 1, 2],
    ],
  );
});

test('an override naming no dataset says which datasets there are, and the closest', () => {
  const parsed = parseExperiment(`${MINIMAL.join('\n')}\n`, FILE, [{ path: 'datasets.digit.loss_weight', value: '2' }]);
  assert.deepEqual(parsed.issues.map(located), [
    '1:1-1:1 error : override datasets.digit.loss_weight=2: no dataset is named `digit` — did you mean `digits`? (datasets: digits)',
  ]);
});

test('a key indented one space too far is explained at its own line, once, in words about indentation', () => {
  const text = `${MINIMAL.join('\n')}\n`.replace('    type: images', '     type: images');
  assert.deepEqual(parseExperiment(text, FILE).issues.map(located), [
    '4:6-4:18 error : invalid YAML: this line is indented by 5 spaces where the keys above it start at 4: keys of one mapping line up — indent it by 4',
  ]);
});

test('a tab used to indent is explained once, at its line', () => {
  const text = `${MINIMAL.join('\n')}\n`.replace('    path: data/digits', '\tpath: data/digits');
  const issues = parseExperiment(text, FILE).issues.map(located);
  assert.equal(issues.length, 1, issues.join('\n'));
  assert.match(
    issues[0] ?? '',
    /^5:1-5:\d+ error : invalid YAML: this line is indented with a tab: YAML indents with spaces only — replace the tab with spaces$/,
  );
});

test('a monitor may watch the worst dataset or one dataset by name', () => {
  const parsed = parseExperiment(
    `${twoDatasets([], [], ['training:', '  checkpoint: { monitor: val_loss:sensors }', '  lr_schedule: { type: reduce_on_plateau, monitor: val_loss_worst }']).join('\n')}\n`,
    FILE,
  );
  assert.deepEqual(parsed.issues, []);
  assert.equal(parsed.experiment?.training.checkpoint.monitor, 'val_loss:sensors');
  assert.equal(parsed.experiment?.training.lr_schedule?.type === 'reduce_on_plateau' && parsed.experiment.training.lr_schedule.monitor, 'val_loss_worst');
});

test('a per-dataset monitor must name a dataset of the file, and suggests the closest', () => {
  assert.deepEqual(issuesOf(twoDatasets([], [], ['training:', '  checkpoint: { monitor: val_accuracy:clen }'])), [
    '23:26-23:43 error training.checkpoint.monitor: no dataset is named `clen` — did you mean `clean`?',
  ]);
  assert.deepEqual(issuesOf(twoDatasets([], [], ['training:', '  early_stopping:', '    monitor: val_loss:other'])), [
    '24:14-24:28 error training.early_stopping.monitor: no dataset is named `other`; datasets: clean, sensors',
  ]);
});

test('an accuracy monitor needs a classification head: on one regression dataset, or when every dataset regresses', () => {
  const lines = twoDatasets([], [], ['training:', '  lr_schedule: { type: reduce_on_plateau, monitor: val_accuracy:sensors }']);
  lines[20] = '    sensor: { task: regression }';
  assert.deepEqual(issuesOf(lines), [
    '23:52-23:72 error training.lr_schedule.monitor: `sensors` trains a regression head, which has no accuracy: watch `val_loss:sensors`',
  ]);
  const regressionOnly = [
    'version: 1',
    'datasets:',
    '  - { name: prices, type: csv, path: prices.csv, csv: { label: price } }',
    'model: { stems: { table: {} }, heads: { price: { task: regression } } }',
    'training: { checkpoint: { monitor: val_accuracy_worst } }',
  ];
  assert.deepEqual(issuesOf(regressionOnly), [
    '5:36-5:54 error training.checkpoint.monitor: every dataset trains a regression head, so `val_accuracy_worst` has no accuracy to watch: use `val_loss_worst`',
  ]);
});

test('a misspelt monitor lists the monitors and the per-dataset patterns, suggesting only real names', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'training: { checkpoint: { monitor: val_accuracy_wrost } }']), [
    '12:36-12:54 error training.checkpoint.monitor: expected one of val_loss_mean, val_loss_worst, val_accuracy_mean, val_accuracy_worst, val_loss:<dataset name>, val_accuracy:<dataset name>; got "val_accuracy_wrost" — did you mean "val_accuracy_worst"?',
  ]);
  assert.deepEqual(issuesOf([...MINIMAL, 'training: { checkpoint: { monitor: 3 } }']), [
    '12:36-12:37 error training.checkpoint.monitor: expected one of val_loss_mean, val_loss_worst, val_accuracy_mean, val_accuracy_worst, val_loss:<dataset name>, val_accuracy:<dataset name>; got 3',
  ]);
});

test('early stopping on one monitor while model/ keeps the best by another is a warning: the run would stop on one metric and keep another’s best', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'training:', '  early_stopping: { monitor: val_accuracy_worst }']), [
    '13:30-13:48 warning training.early_stopping.monitor: early stopping watches val_accuracy_worst, but model/ keeps the best epoch by checkpoint.monitor (val_loss_mean): set `checkpoint: { monitor: val_accuracy_worst }` so that model/ is the epoch early stopping judged best',
  ]);
  assert.deepEqual(
    issuesOf([...MINIMAL, 'training:', '  early_stopping: { monitor: val_accuracy_worst }', '  checkpoint: { monitor: val_accuracy_worst }']),
    [],
  );
  assert.deepEqual(issuesOf([...MINIMAL, 'training:', '  early_stopping: { patience: 3 }']), [], 'both default to val_loss_mean');
});

test('an optimizer setting its optimizer does not use is a warning: weight_decay without adamw, momentum without momentum or rmsprop', () => {
  assert.deepEqual(issuesOf([...MINIMAL, 'training:', '  optimizer: { type: adam, weight_decay: 0.05, momentum: 0.8 }']), [
    '13:42-13:46 warning training.optimizer.weight_decay: weight_decay is used only by adamw (type is "adam"): remove it or set `type: adamw`',
    '13:58-13:61 warning training.optimizer.momentum: momentum is used only by momentum and rmsprop (type is "adam"): remove it or set `type: momentum`',
  ]);
  assert.deepEqual(issuesOf([...MINIMAL, 'training:', '  optimizer: { type: adamw, weight_decay: 0.05 }']), []);
  assert.deepEqual(issuesOf([...MINIMAL, 'training:', '  optimizer: { type: rmsprop, momentum: 0.5 }']), []);
});
