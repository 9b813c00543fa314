/**
 * What the training panel shows of one run, and how run-folder records fold into it. The host
 * folds a whole run folder into a snapshot; the webview folds the records of each delta into the
 * view it holds. One function serves both, so a snapshot and a stream of deltas agree.
 */
import type { BalancerName, LrScheduleSpec, MixingStrategy, ScheduleSpec } from '../experiment/schema';
import type {
  BackendReport,
  DatasetReport,
  EpochDatasetMetrics,
  EpochGradientSummary,
  GradientDiagnostics,
  MetricRecord,
  RunEvent,
  RunRecord,
  RunStatus,
} from '../runs/format';
import type { Device } from '../runs/backendWords';
import { downsampleMinMax } from './downsample';
import { emptyTimeline, foldTimeline, requestSource, sourceText, type Timeline, type TimelineSource } from './timeline';

/**
 * `gradShare` is a dataset's share of the summed gradient norm at each diagnostic step;
 * `balancerWeight` the balancer's multiplier on its loss weight at each epoch end.
 */
export const CURVE_METRICS = ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy', 'valMae', 'gradShare', 'balancerWeight'] as const;
export type CurveMetric = (typeof CURVE_METRICS)[number];

/**
 * One point of a curve: `x` is the global step. Epoch-level points carry their `epoch`; a step
 * point's position in epochs is derived when drawn (`epochPosition`).
 */
export interface CurvePoint {
  x: number;
  y: number;
  epoch?: number;
}

export type DatasetCurves = Partial<Record<CurveMetric, CurvePoint[]>>;

export interface DatasetView {
  name: string;
  task: 'classification' | 'regression';
  trainSize: number;
  validationSize: number;
  /** Class name → training samples; empty for regression. */
  classes: Record<string, number>;
  /** Where the run read the training data (links resolved); absent in runs recorded before it was kept. */
  source?: string;
  /** Classification: its head's classes, the order of the rows and columns of its confusion matrix. */
  headClasses?: string[];
}

export interface WeightMarker {
  /** The first epoch trained with the new weights. */
  epoch: number;
  requestId?: string;
  /** Who asked: the chart's short label at the marker. */
  source: TimelineSource;
  /** What the marker's tooltip and the weights section say: "weights changed from the panel". */
  label: string;
}

export interface PendingWeights {
  requestId: string;
  /** The first epoch the trainer will train with these weights, once it applies them. */
  untilEpoch: number;
  sampling: Record<string, number>;
  loss: Record<string, number>;
}

export interface RunView {
  runId: string;
  experimentName: string;
  status: RunStatus;
  epochs: { total: number; completed: number };
  /** The epoch of the newest step (the one in progress while running). */
  currentEpoch: number;
  /** The global step of the newest step record. */
  lastX: number;
  /** Global step of the last step of each finished epoch (index = epoch - 1). */
  epochEndX: number[];
  mixing?: { strategy: MixingStrategy; temperature: number };
  datasets: DatasetView[];
  curves: Record<string, DatasetCurves>;
  /** The newest epoch's per-dataset numbers, for the diagnostics. */
  latestEpoch: Record<string, EpochDatasetMetrics>;
  /** Every epoch's per-dataset numbers, for the table view (epochs are few; steps are not kept here). */
  epochHistory: Array<{ epoch: number; datasets: Record<string, EpochDatasetMetrics> }>;
  weights: { sampling: Record<string, number>; loss: Record<string, number> };
  markers: WeightMarker[];
  pending: PendingWeights[];
  /** Request ids the trainer has applied or rejected. */
  settled: string[];
  /** Messages for the user (rejected weight changes, failures), newest last. */
  notices: string[];
  /** The balancer and the schedules of the experiment, for the controls and the schedule chart. */
  balancer?: { type: BalancerName; mode: 'auto' | 'suggest' };
  schedules?: ExperimentSchedules;
  /** The mixing temperature of each finished epoch (index = epoch - 1), when it is reported. */
  temperatures: number[];
  /** Per epoch (index epoch − 1): the learning rate it trained with, from its record. */
  learningRates: number[];
  /** Which epoch model/ holds, once the run has saved it. */
  model?: RunRecord['model'];
  /** The test splits' results, once training has ended. */
  test?: RunRecord['test'];
  /** The newest epoch's gradient summary (the conflict heat map), if diagnostics ran in it. */
  latestGradients?: EpochGradientSummary;
  /** The newest diagnostic step. */
  latestDiagnostics?: GradientDiagnostics & { epoch: number; step: number; globalStep: number };
  /** Suggestions (of a balancer in `suggest` mode, or of the balance diagnostics) awaiting a decision, oldest first. */
  suggestions: Suggestion[];
  /** The `sampling` balancer's newest move (auto mode): the multipliers on the sampling weights and the shares from the epoch after `epoch`. */
  samplingBalance?: SamplingBalance;
  /** Datasets whose `augment: auto` is switched on: the first epoch trained with it, and why. */
  augmentation: Record<string, { fromEpoch: number; reason: string }>;
  /** What happened to the run, in words, oldest first (see `timeline.ts`). */
  timeline: Timeline;
  /** The backend and device it trains on (the newest start or resume), once the trainer has chosen. */
  backend?: RunBackend;
}

export type RunBackend = Device & { name: BackendReport['name'] };

export interface ExperimentSchedules {
  sampling: Record<string, ScheduleSpec>;
  loss: Record<string, ScheduleSpec>;
  temperature?: ScheduleSpec;
  /** The learning rate as written, and its schedule when the experiment has one. */
  learningRate?: { base: number; schedule?: LrScheduleSpec };
}

export interface Suggestion {
  suggestionId: string;
  /** The epoch at whose end it was made; accepted, it applies from the next one. */
  epoch: number;
  /** Who proposes: a balancer's type (`dwa`, `gradnorm`, `sampling`) or `diagnostics` (the balance warnings). */
  balancer: string;
  /** Proposed loss weights, by dataset name; absent when the suggestion leaves them as they are. */
  loss?: Record<string, number>;
  /** Proposed sampling weights (the full set), by dataset name; absent when left as they are. */
  sampling?: Record<string, number>;
  /** Image datasets whose `augment: auto` preset the suggestion switches on. */
  augment?: string[];
  /** The dataset the reason is about. */
  dataset?: string;
  /** The sentence with the numbers it is based on. */
  reason: string;
  /** What the change should do, with numbers. */
  expected?: string;
}

export interface SamplingBalance {
  /** The epoch at whose end the balancer moved; the shares hold from the next one. */
  epoch: number;
  multipliers: Record<string, number>;
  shares: Record<string, number>;
  reason: string;
}

/** Curves longer than this are cut by min/max bucketing. */
export const MAX_POINTS_PER_CURVE = 2000;
const MAX_NOTICES = 20;

/** What the experiment snapshot says before any epoch has reported. */
export interface ExperimentDefaults {
  mixing: NonNullable<RunView['mixing']>;
  weights: RunView['weights'];
  balancer?: RunView['balancer'];
  schedules?: ExperimentSchedules;
}

export function emptyRunView(record: RunRecord, defaults?: ExperimentDefaults): RunView {
  return {
    runId: record.id,
    experimentName: record.experimentName,
    status: record.status,
    epochs: { ...record.epochs },
    currentEpoch: record.epochs.completed,
    ...(record.model ? { model: record.model } : {}),
    ...(record.test ? { test: record.test } : {}),
    ...(record.backend ? { backend: runBackend(record.backend) } : {}),
    lastX: 0,
    epochEndX: [],
    ...(defaults ? { mixing: defaults.mixing } : {}),
    ...(defaults?.balancer ? { balancer: defaults.balancer } : {}),
    ...(defaults?.schedules ? { schedules: defaults.schedules } : {}),
    temperatures: [],
    learningRates: [],
    suggestions: [],
    augmentation: {},
    datasets: record.datasets.map((report) => datasetView(report, record.heads[report.head]?.classes)),
    curves: {},
    latestEpoch: {},
    epochHistory: [],
    weights: { sampling: { ...defaults?.weights.sampling }, loss: { ...defaults?.weights.loss } },
    markers: [],
    pending: [],
    settled: [],
    notices: record.error ? [record.error] : [],
    timeline: emptyTimeline({ sampling: { ...defaults?.weights.sampling }, loss: { ...defaults?.weights.loss } }),
  };
}

function runBackend(from: RunBackend): RunBackend {
  return { name: from.name, ...(from.adapter ? { adapter: { ...from.adapter } } : {}), ...(from.usingGpu ? { usingGpu: true } : {}) };
}

function datasetView(report: DatasetReport, headClasses: readonly string[] | undefined): DatasetView {
  return {
    name: report.name,
    task: report.task,
    trainSize: report.train.size,
    validationSize: report.validation.size,
    classes: { ...report.train.classes },
    ...(report.source !== undefined ? { source: report.source } : {}),
    ...(report.task === 'classification' && headClasses !== undefined ? { headClasses: [...headClasses] } : {}),
  };
}

/** Folds new metric records and events into a view (mutating it) and keeps each curve bounded. */
export function foldRecords(view: RunView, metrics: readonly MetricRecord[], events: readonly RunEvent[]): RunView {
  for (const record of metrics) foldMetric(view, record);
  for (const event of events) foldEvent(view, event);
  for (const curves of Object.values(view.curves)) {
    for (const metric of CURVE_METRICS) {
      const points = curves[metric];
      if (points && points.length > 2 * MAX_POINTS_PER_CURVE) curves[metric] = downsampleMinMax(points, MAX_POINTS_PER_CURVE);
    }
  }
  return view;
}

function push(view: RunView, dataset: string, metric: CurveMetric, point: CurvePoint): void {
  if (!Number.isFinite(point.y)) return;
  const curves = (view.curves[dataset] ??= {});
  (curves[metric] ??= []).push(point);
}

function foldMetric(view: RunView, record: MetricRecord): void {
  if (record.kind === 'diagnostics') {
    view.latestDiagnostics = {
      epoch: record.epoch,
      step: record.step,
      globalStep: record.globalStep,
      names: record.names,
      norms: record.norms,
      normShares: record.normShares,
      cosine: record.cosine,
      sharedParameters: record.sharedParameters,
    };
    record.names.forEach((name, d) => {
      const share = record.normShares[d];
      if (share !== null && share !== undefined) push(view, name, 'gradShare', { x: record.globalStep, y: share });
    });
    return;
  }
  if (record.kind === 'step') {
    view.currentEpoch = Math.max(view.currentEpoch, record.epoch);
    view.lastX = Math.max(view.lastX, record.globalStep);
    for (const [name, m] of Object.entries(record.datasets)) {
      push(view, name, 'trainLoss', { x: record.globalStep, y: m.loss });
      if (m.accuracy !== undefined) push(view, name, 'trainAccuracy', { x: record.globalStep, y: m.accuracy });
    }
    return;
  }
  view.epochEndX[record.epoch - 1] = view.lastX;
  view.epochs.completed = Math.max(view.epochs.completed, record.epoch);
  view.currentEpoch = Math.max(view.currentEpoch, record.epoch);
  view.latestEpoch = { ...record.datasets };
  for (const [name, m] of Object.entries(record.datasets)) {
    const point = (y: number | null | undefined) => ({ x: view.lastX, epoch: record.epoch, y: y ?? Number.NaN });
    push(view, name, 'valLoss', point(m.valLoss));
    if (m.valAccuracy !== undefined) push(view, name, 'valAccuracy', point(m.valAccuracy));
    if (m.valMae !== undefined) push(view, name, 'valMae', point(m.valMae));
    if (m.balancerWeight !== undefined) push(view, name, 'balancerWeight', point(m.balancerWeight));
    view.weights.sampling[name] = m.samplingWeight;
    view.weights.loss[name] = m.lossWeight;
  }
  if (record.temperature !== undefined) view.temperatures[record.epoch - 1] = record.temperature;
  if (record.learningRate !== undefined) view.learningRates[record.epoch - 1] = record.learningRate;
  if (record.gradients !== undefined) view.latestGradients = record.gradients;
  view.epochHistory.push({ epoch: record.epoch, datasets: { ...record.datasets } });
}

function foldEvent(view: RunView, event: RunEvent): void {
  foldTimeline(view.timeline, event);
  switch (event.kind) {
    case 'started':
    case 'resumed-from-checkpoint':
      if (event.backend !== undefined) view.backend = runBackend({ ...event, name: event.backend });
      return;
    case 'weights-requested':
      if (event.requestId !== undefined && !view.settled.includes(event.requestId)) {
        addPending(view, {
          requestId: event.requestId,
          untilEpoch: event.epoch + 1,
          sampling: event.change.sampling ?? {},
          loss: event.change.loss ?? {},
        });
      }
      return;
    case 'weights-applied':
      settle(view, event.requestId);
      view.weights = { sampling: { ...view.weights.sampling, ...event.sampling }, loss: { ...view.weights.loss, ...event.loss } };
      view.markers.push({
        epoch: event.epoch,
        source: requestSource(event.requestId, view.timeline.suggestions),
        label: `weights changed ${sourceText(requestSource(event.requestId, view.timeline.suggestions))}`,
        ...(event.requestId !== undefined ? { requestId: event.requestId } : {}),
      });
      return;
    case 'weights-rejected':
      settle(view, event.requestId);
      notice(view, `Weight change rejected: ${event.reason}`);
      return;
    case 'weights-scheduled':
      view.weights = { sampling: { ...view.weights.sampling, ...event.sampling }, loss: { ...view.weights.loss, ...event.loss } };
      return;
    case 'weights-suggested':
      view.suggestions = [...view.suggestions.filter((s) => s.suggestionId !== event.suggestionId), suggestionOf(event)];
      return;
    case 'sampling-balanced':
      view.samplingBalance = { epoch: event.epoch, multipliers: { ...event.multipliers }, shares: { ...event.shares }, reason: event.reason };
      return;
    case 'augmentation-on':
      view.augmentation = { ...view.augmentation, [event.dataset]: { fromEpoch: event.epoch, reason: event.reason } };
      // An accepted suggestion that only switches augmentation on has no weights-applied to settle it.
      if (view.pending.some((p) => p.requestId === event.requestId)) settle(view, event.requestId);
      return;
    case 'suggestion-decided':
      view.suggestions = view.suggestions.filter((s) => s.suggestionId !== event.suggestionId);
      return;
    case 'failed':
    case 'diverged':
      notice(view, event.message);
      return;
    default:
      return;
  }
}

function suggestionOf(event: Extract<RunEvent, { kind: 'weights-suggested' }>): Suggestion {
  return {
    suggestionId: event.suggestionId,
    epoch: event.epoch,
    balancer: event.balancer,
    ...(event.loss ? { loss: { ...event.loss } } : {}),
    ...(event.sampling ? { sampling: { ...event.sampling } } : {}),
    ...(event.augment && event.augment.length > 0 ? { augment: [...event.augment] } : {}),
    ...(event.dataset !== undefined ? { dataset: event.dataset } : {}),
    reason: event.reason,
    ...(event.expected !== undefined ? { expected: event.expected } : {}),
  };
}

/** A pending request that is already listed (sent by this panel, then echoed by the trainer) is updated, not doubled. */
export function addPending(view: RunView, pending: PendingWeights): void {
  if (view.settled.includes(pending.requestId)) return;
  view.pending = [...view.pending.filter((p) => p.requestId !== pending.requestId), pending];
}

function settle(view: RunView, requestId: string | undefined): void {
  // A change without an id came from elsewhere (the CLI, the palette command): it settles none of the panel's.
  if (requestId === undefined) return;
  view.pending = view.pending.filter((p) => p.requestId !== requestId);
  view.settled.push(requestId);
}

function notice(view: RunView, message: string): void {
  view.notices = [...view.notices, message].slice(-MAX_NOTICES);
}

/** Cuts every curve of a finished fold to the snapshot's budget. */
export function downsampleCurves(view: RunView, target = MAX_POINTS_PER_CURVE): RunView {
  for (const curves of Object.values(view.curves)) {
    for (const metric of CURVE_METRICS) {
      const points = curves[metric];
      if (points) curves[metric] = downsampleMinMax(points, target);
    }
  }
  return view;
}

/** Where a point sits on an epoch axis: its own epoch, or its step's place between epoch ends. */
export function epochPosition(view: Pick<RunView, 'epochEndX'>, point: CurvePoint): number {
  if (point.epoch !== undefined) return point.epoch;
  const ends = view.epochEndX;
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i] ?? start;
    if (point.x <= end) return i + (end > start ? (point.x - start) / (end - start) : 1);
    start = end;
  }
  const last = ends.length >= 2 ? (ends[ends.length - 1] ?? 0) - (ends[ends.length - 2] ?? 0) : (ends[0] ?? 0);
  return ends.length + (last > 0 ? (point.x - start) / last : 0);
}

/** The global step where an epoch starts (the end of the one before), for weight markers on a step axis. */
export function epochStartX(view: Pick<RunView, 'epochEndX'>, epoch: number): number {
  return epoch <= 1 ? 0 : (view.epochEndX[epoch - 2] ?? view.epochEndX[view.epochEndX.length - 1] ?? 0);
}
