/**
 * Ties each loaded dataset to its stem and head: the unified label space of every classification
 * head (classes unified by name across its datasets), each dataset's map into it, and the input
 * shape of every stem.
 */
import type { DatasetSpec, Experiment } from '../../shared/experiment/schema';
import { isLoadedModel } from '../../shared/experiment/schema';
import { STEM_SHAPE_FIX, stemShapeConflict } from '../config/checkStemShapes';
import { UserError } from '../errors';
import type { LoadedDataset } from '../data/types';
import type { HeadPlan, PathKey, Task } from '../model/jointModel';

export interface DatasetRoute {
  stem: string;
  head: string;
  task: Task;
  regressionLoss: 'mse' | 'mae';
}

/** What a dataset's loss measures, so that only like losses are compared: cross-entropy, or a regression loss on one head. */
export function lossKind(route: DatasetRoute): string {
  return route.task === 'classification' ? 'cross-entropy' : `${route.regressionLoss} on head ${route.head}`;
}

export interface PlannedDataset {
  spec: DatasetSpec;
  data: LoadedDataset;
  route: DatasetRoute;
  /** Dataset class index → head class index (classification only). */
  classToHead: Int32Array;
  /** Dataset class index → weight of its samples in the loss, or undefined when all weigh 1. */
  classWeights: Float32Array | undefined;
}

export interface TrainingPlan {
  datasets: PlannedDataset[];
  heads: Record<string, HeadPlan & { classes: string[] }>;
  stemShapes: Record<string, number[]>;
  paths: PathKey[];
}

/** Stem, head and task of every dataset, before any data is read (defaults resolved). */
export function routeDatasets(experiment: Experiment): DatasetRoute[] {
  const model = experiment.model;
  const stems = isLoadedModel(model) ? Object.keys(model.inputs) : Object.keys(model.stems);
  const headTasks: Record<string, Task> = isLoadedModel(model)
    ? Object.fromEntries(Object.keys(model.outputs).map((head) => [head, model.tasks[head] ?? 'classification']))
    : Object.fromEntries(Object.entries(model.heads).map(([head, spec]) => [head, spec.task]));
  const heads = Object.keys(headTasks);
  const regressionLoss = (head: string): 'mse' | 'mae' => {
    const spec = isLoadedModel(model) ? undefined : model.heads[head];
    return spec?.task === 'regression' ? spec.loss : 'mse';
  };
  return experiment.datasets.map((spec) => {
    const stem = spec.stem ?? (stems.length === 1 ? stems[0] : undefined);
    const head = spec.head ?? (heads.length === 1 ? heads[0] : undefined);
    if (stem === undefined || head === undefined || headTasks[head] === undefined) {
      throw new UserError(`dataset '${spec.name}' needs a stem and a head defined by the model`);
    }
    return { stem, head, task: headTasks[head], regressionLoss: regressionLoss(head) };
  });
}

export function planTraining(experiment: Experiment, loaded: LoadedDataset[], place: (path: Array<string | number>) => string): TrainingPlan {
  const routes = routeDatasets(experiment);
  const heads: TrainingPlan['heads'] = {};
  routes.forEach((route, d) => {
    const head = (heads[route.head] ??= { task: route.task, units: route.task === 'regression' ? 1 : 0, classes: [] });
    if (route.task === 'classification') head.classes.push(...(loaded[d] as LoadedDataset).classes);
  });
  for (const head of Object.values(heads)) {
    if (head.task === 'classification') {
      head.classes = [...new Set(head.classes)].sort();
      head.units = head.classes.length;
    }
  }

  const stemShapes: Record<string, number[]> = {};
  const stemOwner: Record<string, number> = {};
  const datasets = experiment.datasets.map((spec, d): PlannedDataset => {
    const data = loaded[d] as LoadedDataset;
    const route = routes[d] as DatasetRoute;
    const shape = [...data.train.sampleShape];
    const known = stemShapes[route.stem];
    if (known === undefined) {
      stemShapes[route.stem] = shape;
      stemOwner[route.stem] = d;
    } else if (JSON.stringify(known) !== JSON.stringify(shape)) {
      const owner = experiment.datasets[stemOwner[route.stem] as number]?.name;
      throw new UserError(`${place(['datasets', d, 'stem'])}: ${stemShapeConflict(route.stem, spec.name, shape, owner ?? '', known)}`, STEM_SHAPE_FIX);
    }
    const headClasses = heads[route.head]?.classes ?? [];
    const classToHead = Int32Array.from(data.classes, (name) => headClasses.indexOf(name));
    const classWeights = spec.class_weights === undefined ? undefined : Float32Array.from(data.classes, (name) => spec.class_weights?.[name] ?? 1);
    for (const name of Object.keys(spec.class_weights ?? {})) {
      if (!data.classes.includes(name)) {
        throw new UserError(
          `${place(['datasets', d, 'class_weights', name])}: class '${name}' is not a class of dataset '${spec.name}' (classes: ${data.classes.join(', ')})`,
        );
      }
    }
    return { spec, data, route, classToHead, classWeights };
  });

  const seen = new Set<string>();
  const paths = routes
    .map(({ stem, head }) => ({ stem, head }))
    .filter((key) => !seen.has(`${key.stem}/${key.head}`) && seen.add(`${key.stem}/${key.head}`) !== undefined);
  return { datasets, heads, stemShapes, paths };
}
