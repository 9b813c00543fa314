import type { ExperimentIssue } from './issues';
import type { ExperimentLocator, FieldPath } from './locate';
import { monitorParts } from './monitor';
import { isLoadedModel, type DatasetSpec, type Experiment, type Monitor } from './schema';
import { didYouMean } from './suggest';

type Task = 'classification' | 'regression';
type Reference = 'stem' | 'head';

/** The stems or heads a model offers, and where the file defines them. */
interface NameSection {
  section: FieldPath;
  names: string[];
}

interface ModelNames {
  stem: NameSection;
  head: NameSection;
  taskOf(head: string): Task | undefined;
  declared: boolean;
}

/**
 * Checks the schema cannot express: names that must be unique or must refer to something defined
 * elsewhere in the file, and combinations of settings that cannot train.
 */
export function checkExperimentSemantics(experiment: Experiment, at: ExperimentLocator): ExperimentIssue[] {
  const model = modelNames(experiment);
  // A monitor with nothing to watch is the problem to fix first; which best it keeps comes after.
  const monitors = monitorTargets(experiment, model, at);
  return [
    ...duplicateNames(experiment.datasets, at),
    ...emptySections(model, at),
    ...experiment.datasets.flatMap((dataset, index) => checkDataset(dataset, index, model, at)),
    ...allZero(experiment.datasets, 'sampling_weight', 'no batch can be drawn', at),
    ...allZero(experiment.datasets, 'loss_weight', 'nothing would be learned', at),
    ...ignoredTemperature(experiment, at),
    ...balancerSettings(experiment, at),
    ...optimizerSettings(experiment, at),
    ...unknownTasks(experiment, at),
    ...unusedNames(experiment.datasets, model, at),
    ...monitors,
    ...(monitors.length === 0 ? bestByAnotherMonitor(experiment, at) : []),
  ];
}

function modelNames({ model }: Experiment): ModelNames {
  if (isLoadedModel(model)) {
    return {
      stem: { section: ['model', 'inputs'], names: Object.keys(model.inputs) },
      head: { section: ['model', 'outputs'], names: Object.keys(model.outputs) },
      taskOf: (head) => (head in model.outputs ? (model.tasks[head] ?? 'classification') : undefined),
      declared: false,
    };
  }
  return {
    stem: { section: ['model', 'stems'], names: Object.keys(model.stems) },
    head: { section: ['model', 'heads'], names: Object.keys(model.heads) },
    taskOf: (head) => model.heads[head]?.task,
    declared: true,
  };
}

function duplicateNames(datasets: readonly DatasetSpec[], at: ExperimentLocator): ExperimentIssue[] {
  const firstIndex = new Map<string, number>();
  return datasets.flatMap((dataset, index) => {
    const first = firstIndex.get(dataset.name);
    if (first === undefined) {
      firstIndex.set(dataset.name, index);
      return [];
    }
    return [
      at.issue(['datasets', index, 'name'], `duplicate dataset name \`${dataset.name}\` (also used by datasets[${first}]): give each dataset a unique name`),
    ];
  });
}

function emptySections(model: ModelNames, at: ExperimentLocator): ExperimentIssue[] {
  return (['stem', 'head'] as const).flatMap((kind) =>
    model[kind].names.length === 0 ? [at.issue(model[kind].section, `no ${kind}s defined: define at least one ${kind}`)] : [],
  );
}

function checkDataset(dataset: DatasetSpec, index: number, model: ModelNames, at: ExperimentLocator): ExperimentIssue[] {
  const issues = [...checkReference(dataset, index, 'stem', model, at), ...checkReference(dataset, index, 'head', model, at)];
  const head = referencedName(dataset, 'head', model);
  const task = head === undefined ? undefined : model.taskOf(head);
  if (task === 'regression') {
    if (dataset.type === 'images') {
      issues.push(at.issue(['datasets', index, 'head'], `images datasets need a classification head; \`${head}\` is a regression head`));
    }
    if (dataset.class_weights) {
      issues.push(
        at.issue(
          ['datasets', index, 'class_weights'],
          `class_weights apply to classification only; \`${head}\` is a regression head: remove class_weights`,
          'error',
          'key',
        ),
      );
    }
  }
  if (dataset.type === 'csv') {
    const label = dataset.csv.label;
    const featureIndex = dataset.csv.features?.indexOf(label) ?? -1;
    if (featureIndex >= 0) {
      issues.push(at.issue(['datasets', index, 'csv', 'features', featureIndex], `\`${label}\` is the label column; it cannot also be a feature`));
    }
  }
  return issues;
}

/** The stem or head a dataset uses: the one it names, or the model's only one. */
function referencedName(dataset: DatasetSpec, kind: Reference, model: ModelNames): string | undefined {
  const { names } = model[kind];
  const named = dataset[kind];
  if (named !== undefined) return names.includes(named) ? named : undefined;
  return names.length === 1 ? names[0] : undefined;
}

function checkReference(dataset: DatasetSpec, index: number, kind: Reference, model: ModelNames, at: ExperimentLocator): ExperimentIssue[] {
  const { section, names } = model[kind];
  const named = dataset[kind];
  const sectionName = section.join('.');
  if (named === undefined) {
    if (names.length <= 1) return [];
    return [at.issue(['datasets', index], `no \`${kind}\` given and ${sectionName} defines several: add \`${kind}:\` with one of ${names.join(', ')}`)];
  }
  if (names.includes(named) || names.length === 0) return [];
  const hint = didYouMean(named, names) || `; defined: ${names.join(', ')}`;
  return [at.issue(['datasets', index, kind], `${kind} \`${named}\` is not defined in ${sectionName}${hint}`)];
}

function allZero(datasets: readonly DatasetSpec[], field: 'sampling_weight' | 'loss_weight', consequence: string, at: ExperimentLocator): ExperimentIssue[] {
  if (!datasets.every((dataset) => dataset[field] === 0)) return [];
  const lastField = ['datasets', datasets.length - 1, field];
  const path = at.has(lastField) ? lastField : ['datasets'];
  return [at.issue(path, `every dataset has ${field} 0, so ${consequence}: give at least one dataset a ${field} > 0`)];
}

function ignoredTemperature({ mixing }: Experiment, at: ExperimentLocator): ExperimentIssue[] {
  if (mixing.strategy === 'temperature' || !at.has(['mixing', 'temperature'])) return [];
  return [
    at.issue(
      ['mixing', 'temperature'],
      `temperature is used only by the temperature strategy (strategy is "${mixing.strategy}"): remove it or set \`strategy: temperature\``,
      'warning',
    ),
  ];
}

/** Settings of another balancer are ignored, and only balancers that adapt weights can suggest them. */
function balancerSettings({ training, mixing }: Experiment, at: ExperimentLocator): ExperimentIssue[] {
  const { type, mode } = training.balancer;
  const issues: ExperimentIssue[] = [];
  if (mode === 'suggest' && type !== 'dwa' && type !== 'gradnorm' && type !== 'sampling') {
    issues.push(
      at.issue(
        ['training', 'balancer', 'mode'],
        `only dwa, gradnorm and sampling suggest changes; \`${type}\` has nothing to suggest: use \`mode: auto\` or \`type: sampling\``,
      ),
    );
  }
  const owners: Record<string, string> = {
    temperature: 'dwa',
    alpha: 'gradnorm',
    learning_rate: 'gradnorm',
    max_step: 'sampling',
    range: 'sampling',
    max_repeat_ratio: 'sampling',
  };
  for (const [field, owner] of Object.entries(owners)) {
    if (type !== owner && at.has(['training', 'balancer', field])) {
      issues.push(
        at.issue(
          ['training', 'balancer', field],
          `${field} is used only by the ${owner} balancer (type is "${type}"): remove it or set \`type: ${owner}\``,
          'warning',
        ),
      );
    }
  }
  if (mixing.temperature_schedule !== undefined && mixing.strategy !== 'temperature') {
    issues.push(
      at.issue(
        ['mixing', 'temperature_schedule'],
        `temperature_schedule is used only by the temperature strategy (strategy is "${mixing.strategy}")`,
        'warning',
      ),
    );
  }
  return issues;
}

/** An optimizer setting written for an optimizer that does not use it would silently do nothing. */
function optimizerSettings({ training }: Experiment, at: ExperimentLocator): ExperimentIssue[] {
  const { type } = training.optimizer;
  const users: Record<string, readonly string[]> = { weight_decay: ['adamw'], momentum: ['momentum', 'rmsprop'] };
  return Object.entries(users).flatMap(([field, optimizers]) =>
    optimizers.includes(type) || !at.has(['training', 'optimizer', field])
      ? []
      : [
          at.issue(
            ['training', 'optimizer', field],
            `${field} is used only by ${optimizers.join(' and ')} (type is "${type}"): remove it or set \`type: ${optimizers[0]}\``,
            'warning',
          ),
        ],
  );
}

function unknownTasks({ model }: Experiment, at: ExperimentLocator): ExperimentIssue[] {
  if (!isLoadedModel(model)) return [];
  const outputs = Object.keys(model.outputs);
  return Object.keys(model.tasks)
    .filter((head) => !outputs.includes(head))
    .map((head) =>
      at.issue(
        ['model', 'tasks', head],
        `head \`${head}\` is not one of model.outputs${didYouMean(head, outputs) || `; outputs: ${outputs.join(', ')}`}`,
        'error',
        'key',
      ),
    );
}

function unusedNames(datasets: readonly DatasetSpec[], model: ModelNames, at: ExperimentLocator): ExperimentIssue[] {
  if (!model.declared) return [];
  return (['stem', 'head'] as const).flatMap((kind) => {
    const used = new Set(datasets.map((dataset) => referencedName(dataset, kind, model)));
    // A dataset whose reference is already an error may have meant the "unused" name.
    if (used.has(undefined)) return [];
    const verb = kind === 'head' ? 'trains' : 'feeds';
    return model[kind].names
      .filter((name) => !used.has(name))
      .map((name) =>
        at.issue(
          [...model[kind].section, name],
          `no dataset ${verb} ${kind} \`${name}\`: point a dataset at it (\`${kind}: ${name}\`) or remove it`,
          'warning',
          'key',
        ),
      );
  });
}

/**
 * A monitor must have something to watch: a per-dataset monitor names a dataset of the file, and
 * an accuracy monitor needs a classification head (a regression dataset has no accuracy).
 */
function monitorTargets(experiment: Experiment, model: ModelNames, at: ExperimentLocator): ExperimentIssue[] {
  const { training, datasets } = experiment;
  const monitors: Array<[FieldPath, Monitor | undefined]> = [
    [['training', 'checkpoint', 'monitor'], training.checkpoint.monitor],
    [['training', 'early_stopping', 'monitor'], training.early_stopping?.monitor],
    [['training', 'lr_schedule', 'monitor'], training.lr_schedule?.type === 'reduce_on_plateau' ? training.lr_schedule.monitor : undefined],
  ];
  const taskOf = (dataset: DatasetSpec): Task | undefined => {
    const head = referencedName(dataset, 'head', model);
    return head === undefined ? undefined : model.taskOf(head);
  };
  return monitors.flatMap(([path, monitor]) => {
    if (monitor === undefined || !at.has(path)) return [];
    const { metric, over } = monitorParts(monitor);
    if (typeof over === 'object') {
      const dataset = datasets.find((candidate) => candidate.name === over.dataset);
      const names = datasets.map((candidate) => candidate.name);
      if (dataset === undefined)
        return [at.issue(path, `no dataset is named \`${over.dataset}\`${didYouMean(over.dataset, names) || `; datasets: ${names.join(', ')}`}`)];
      if (metric === 'accuracy' && taskOf(dataset) === 'regression') {
        return [at.issue(path, `\`${over.dataset}\` trains a regression head, which has no accuracy: watch \`val_loss:${over.dataset}\``)];
      }
      return [];
    }
    if (metric === 'accuracy' && datasets.length > 0 && datasets.every((dataset) => taskOf(dataset) === 'regression')) {
      return [at.issue(path, `every dataset trains a regression head, so \`${monitor}\` has no accuracy to watch: use \`val_loss_${over}\``)];
    }
    return [];
  });
}

/**
 * Keras' restore_best_weights restores the epoch early stopping judged best; here model/ holds the
 * best by checkpoint.monitor, so two different monitors would stop on one metric and keep another's best.
 */
function bestByAnotherMonitor({ training }: Experiment, at: ExperimentLocator): ExperimentIssue[] {
  const watched = training.early_stopping?.monitor;
  const kept = training.checkpoint.monitor;
  if (watched === undefined || watched === kept || !training.checkpoint.keep_best) return [];
  const path = at.has(['training', 'early_stopping', 'monitor']) ? ['training', 'early_stopping', 'monitor'] : ['training', 'early_stopping'];
  return [
    at.issue(
      path,
      `early stopping watches ${watched}, but model/ keeps the best epoch by checkpoint.monitor (${kept}): set \`checkpoint: { monitor: ${watched} }\` so that model/ is the epoch early stopping judged best`,
      'warning',
    ),
  ];
}
