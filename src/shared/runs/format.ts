/**
 * The run folder format: `.jointrain/runs/<run-id>/`. The folder is the source of truth for a run;
 * the CLI, the extension's tree and panel and a reloaded window all read these files.
 */
import { z } from 'zod';
import { BACKENDS, type BackendName } from '../experiment/schema';

export const RUN_FORMAT_VERSION = 1;
export const RUNS_DIR = '.jointrain/runs';

export const RUN_FILES = {
  /** A byte-for-byte copy of the experiment file the run was started from. */
  experiment: 'experiment.jointrain.yaml',
  run: 'run.json',
  metrics: 'metrics.jsonl',
  events: 'events.jsonl',
  /** JSON Lines of `TrainerCommand`s appended by a controller; the trainer reads new lines each step. */
  control: 'control.jsonl',
  checkpoints: 'checkpoints',
  /** Name of the file inside `checkpoints/` that names the newest complete checkpoint. */
  latest: 'latest',
  /** The run's model, in the tfjs layers format (model.json + weights.bin): the best epoch's when checkpoints keep a best. */
  model: 'model',
  /** The last epoch's weights, when model/ holds a better, earlier epoch's. */
  modelLast: 'model-last',
  /** stdout and stderr of a trainer started by the extension (kept for crash reports). */
  trainerLog: 'trainer.log',
} as const;

export const RUN_STATUSES = ['running', 'paused', 'completed', 'failed', 'diverged', 'stopped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A live run has a trainer process that may still write to its folder. */
export function isLiveStatus(status: RunStatus): boolean {
  return status === 'running' || status === 'paused';
}

const RESOLVED_BACKENDS = BACKENDS.filter((name): name is Exclude<BackendName, 'auto'> => name !== 'auto');
export type ResolvedBackend = Exclude<BackendName, 'auto'>;

/*
 * run.json, described once: the trainer writes it, and every reader (the host's store, `jointrain
 * resume`, `compare`) parses it with these schemas before trusting it. The types are inferred.
 * Fields a reader does not know (a newer trainer's) are dropped from what it parses, never refused.
 */
const count = z.number().int().nonnegative();
const classCounts = z.record(z.string(), count);

const GpuAdapterSchema = z.object({ vendor: z.string(), architecture: z.string(), description: z.string(), software: z.boolean() });

export const BackendReportSchema = z.object({
  name: z.enum(RESOLVED_BACKENDS as [ResolvedBackend, ...ResolvedBackend[]]),
  requested: z.enum(BACKENDS),
  /** True when tfjs reports that kernels run on a GPU device. */
  usingGpu: z.boolean(),
  /** Why each faster backend was not used, in the order they were tried. */
  skipped: z.array(z.object({ name: z.enum(RESOLVED_BACKENDS as [ResolvedBackend, ...ResolvedBackend[]]), reason: z.string() })),
  /**
   * On wasm: the kernels jointrain registered (gradients wasm lacks) or replaced (MaxPoolGrad), by
   * tfjs kernel name; on webgpu, the matrix products it makes deterministic. Absent on other
   * backends and in runs recorded before it existed.
   */
  kernels: z.array(z.string()).optional(),
  /** On webgpu: the GPU adapter Dawn gave, as it describes itself; `software` for a CPU rasteriser such as llvmpipe. */
  adapter: GpuAdapterSchema.optional(),
  /**
   * Threads the steps ran on (data-parallel on wasm and cpu), what the experiment asked for, and
   * why fewer were used. Absent in runs recorded before it existed (one thread).
   */
  threads: z
    .object({ requested: z.union([z.literal('auto'), z.number().int().positive()]), used: z.number().int().positive(), reason: z.string().optional() })
    .optional(),
});
export type BackendReport = z.infer<typeof BackendReportSchema>;

export const SkippedFileSchema = z.object({ file: z.string(), className: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof SkippedFileSchema>;

export const SplitReportSchema = z.object({
  size: count,
  /** Class name → sample count; empty for regression datasets. */
  classes: classCounts,
});
export type SplitReport = z.infer<typeof SplitReportSchema>;

const TASKS = ['classification', 'regression'] as const;

export const DatasetReportSchema = z.object({
  name: z.string(),
  type: z.enum(['images', 'csv']),
  head: z.string(),
  stem: z.string(),
  task: z.enum(TASKS),
  train: SplitReportSchema,
  validation: SplitReportSchema,
  /** Files or rows that could not be read, with the reason; the run aborts above 1%. */
  skipped: z.object({ count, byClass: classCounts, items: z.array(SkippedFileSchema) }),
  /** Input shape of one sample, without the batch dimension. */
  sampleShape: z.array(z.number()),
  fromCache: z.boolean(),
  /** The training data's absolute path, links resolved: where the run really read it from (absent in older runs). */
  source: z.string().optional(),
  /**
   * CSV: the feature columns in the model's input order and, when `csv.standardize` is on, the
   * training split's mean and standard deviation per column: what new rows need to be predicted
   * as training saw them (absent in older runs).
   */
  features: z.object({ columns: z.array(z.string()), mean: z.array(z.number()).optional(), std: z.array(z.number()).optional() }).optional(),
});
export type DatasetReport = z.infer<typeof DatasetReportSchema>;

export const RunTimingsSchema = z.object({
  startedAt: z.string(),
  endedAt: z.string().optional(),
  dataMs: z.number().optional(),
  trainMs: z.number().optional(),
});
export type RunTimings = z.infer<typeof RunTimingsSchema>;

/**
 * A metric that may be undefined for an epoch (a loss over no samples is NaN). JSON writes NaN as
 * null; it is read back as NaN, so every reader sees a number. Other numbers are always finite:
 * a step is recorded only when its loss is finite, and shares and weights are finite by construction.
 */
const jsonNumber = z
  .number()
  .nullable()
  .transform((value) => value ?? Number.NaN);

export const RunRecordSchema = z.object({
  formatVersion: z.literal(RUN_FORMAT_VERSION),
  id: z.string(),
  experimentName: z.string(),
  /** Absolute path of the experiment file the run was started from. */
  experimentPath: z.string(),
  status: z.enum(RUN_STATUSES),
  pid: z.number().int(),
  seed: z.number(),
  backend: BackendReportSchema.optional(),
  epochs: z.object({ total: count, completed: count }),
  timings: RunTimingsSchema,
  datasets: z.array(DatasetReportSchema),
  /** Per head: its task, class names in output-unit order, and its output name in the saved model per stem. */
  heads: z.record(z.string(), z.object({ task: z.enum(TASKS), classes: z.array(z.string()), outputs: z.record(z.string(), z.string()) })),
  best: z.object({ epoch: count, monitor: z.string(), value: z.number(), checkpoint: z.string() }).optional(),
  /**
   * What `model/` holds: the weights of epoch `epoch`, the best by the checkpoint monitor, the last
   * epoch's, or a diverged run's last good checkpoint; `last` names the folder that keeps the last
   * epoch's weights when they are not model/'s.
   */
  model: z
    .object({
      epoch: count,
      chosen: z.enum(['best', 'last', 'last-good']),
      monitor: z.string().optional(),
      value: z.number().optional(),
      last: z.object({ epoch: count, path: z.string() }).optional(),
    })
    .optional(),
  /** Each dataset with a test split: the run's model (model/) evaluated on it once training ended. */
  test: z
    .record(
      z.string(),
      z.object({
        source: z.string(),
        samples: count,
        loss: jsonNumber,
        accuracy: jsonNumber.optional(),
        mae: jsonNumber.optional(),
        macroF1: jsonNumber.optional(),
        classes: z.array(z.string()).optional(),
        confusion: z.array(z.array(count)).optional(),
      }),
    )
    .optional(),
  error: z.string().optional(),
  /**
   * When `error` is about a field of the experiment file (a dataset's data that cannot be used, a
   * class weight for a class its data lacks): that field, and the error's words after its place
   * and its hint, so that the editor can put the error at the field (absent in older runs).
   */
  errorAt: z.object({ field: z.array(z.union([z.string(), z.number()])), message: z.string(), hint: z.string().optional() }).optional(),
  /** The local channel (Unix socket or named pipe) a live trainer listens on, when started with one. */
  channel: z.object({ path: z.string() }).optional(),
  /** Each time the run was resumed: when, from which checkpoint, and which newer ones were unusable. */
  resumes: z.array(z.object({ at: z.string(), checkpoint: z.string(), skipped: z.array(z.string()) })).optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** run.json's text as a record, or why it is not one (its first problem, with the field's path). */
export function parseRunRecord(text: string): { ok: true; record: RunRecord } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON (${(error as Error).message})` };
  }
  const parsed = RunRecordSchema.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${issue?.path.join('.') || 'the record'}: ${issue?.message ?? 'invalid'}` };
}

/*
 * metrics.jsonl and events.jsonl, described once like run.json: the trainer writes these records,
 * the host, the panel and the CLI parse each line with these schemas (a line that does not match,
 * such as a newer trainer's record kind, is skipped), and the trainer's channel messages reuse them.
 */

/** A number that may be absent for a dataset (null), or was NaN when written (also null). */
const nullableNumber = z.number().nullable();
const weightsByName = z.record(z.string(), z.number());

/** Per-dataset numbers of one training step. */
export const StepDatasetMetricsSchema = z.object({ samples: count, loss: z.number(), accuracy: z.number().optional() });
export type StepDatasetMetrics = z.infer<typeof StepDatasetMetricsSchema>;

/** Per-dataset numbers of one epoch. */
export const EpochDatasetMetricsSchema = z.object({
  samples: count,
  trainLoss: jsonNumber,
  trainAccuracy: jsonNumber.optional(),
  valLoss: jsonNumber,
  valAccuracy: jsonNumber.optional(),
  /** Mean absolute error on validation, for regression heads. */
  valMae: jsonNumber.optional(),
  /**
   * Classification: the validation confusion matrix, rows the true classes and columns the
   * predicted ones, in the order of the head's classes (run.json → heads).
   */
  valConfusion: z.array(z.array(count)).optional(),
  configuredShare: z.number(),
  realizedShare: z.number(),
  /** This dataset's share of the summed weighted training loss. */
  lossShare: z.number(),
  /** How many times the dataset's training split has been seen so far (epochs-equivalent). */
  epochsSeen: z.number(),
  samplingWeight: z.number(),
  lossWeight: z.number(),
  /**
   * The balancer's multiplier on the loss weight at the end of the epoch (uncertainty: exp(−s);
   * dwa, gradnorm: the adapted weight); absent with `static` and `pcgrad`.
   */
  balancerWeight: jsonNumber.optional(),
  /** Mean share of the summed gradient norm on the shared layers, over the epoch's diagnostic steps. */
  gradNormShare: jsonNumber.optional(),
});
export type EpochDatasetMetrics = z.infer<typeof EpochDatasetMetricsSchema>;

/**
 * Gradient diagnostics of one step: each dataset's gradient on the parameters every dataset of the
 * step shares, its norm, and the cosine similarity of every pair. `names` orders the arrays; a
 * dataset absent from the step has null entries.
 */
export const GradientDiagnosticsSchema = z.object({
  names: z.array(z.string()),
  /** ‖g_d‖ on the shared parameters (of its weighted loss term). */
  norms: z.array(nullableNumber),
  /** ‖g_d‖ / Σ_k ‖g_k‖. */
  normShares: z.array(nullableNumber),
  /** cos(g_a, g_b); the diagonal is 1. */
  cosine: z.array(z.array(nullableNumber)),
  /** How many parameters the datasets of the step share (the trunk, shared stems and heads). */
  sharedParameters: count,
});
export type GradientDiagnostics = z.infer<typeof GradientDiagnosticsSchema>;

/** What an epoch's diagnostic steps add up to: the heat map and the share chart read it. */
export const EpochGradientSummarySchema = z.object({
  names: z.array(z.string()),
  /** Diagnostic steps in the epoch. */
  steps: count,
  /** Mean cosine per pair over the steps where both datasets were present. */
  meanCosine: z.array(z.array(nullableNumber)),
  /** Fraction of those steps with cosine < 0 (the pair's gradients conflicted). */
  conflictFraction: z.array(z.array(nullableNumber)),
  /** Mean share of the summed gradient norm per dataset. */
  normShare: z.array(nullableNumber),
});
export type EpochGradientSummary = z.infer<typeof EpochGradientSummarySchema>;

const epochNumber = z.number().int().nonnegative();
const stepPlace = { epoch: epochNumber, step: count, globalStep: count, time: z.string() };

export const MetricRecordSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('step'), ...stepPlace, totalLoss: z.number(), datasets: z.record(z.string(), StepDatasetMetricsSchema) }),
  z.object({
    kind: z.literal('epoch'),
    epoch: epochNumber,
    steps: count,
    time: z.string(),
    durationMs: z.number(),
    samplesPerSecond: z.number(),
    totalLoss: jsonNumber,
    datasets: z.record(z.string(), EpochDatasetMetricsSchema),
    /** The mixing temperature in force (it may follow a schedule). */
    temperature: z.number().optional(),
    /** The learning rate the epoch trained with (it may follow a schedule). */
    learningRate: z.number().optional(),
    gradients: EpochGradientSummarySchema.optional(),
  }),
  z.object({ kind: z.literal('diagnostics'), ...stepPlace, ...GradientDiagnosticsSchema.shape }),
]);
export type MetricRecord = z.infer<typeof MetricRecordSchema>;

export const WeightChangeSchema = z.object({
  /** Dataset name → new sampling weight; datasets not named keep theirs. */
  sampling: weightsByName.optional(),
  /** Dataset name → new loss weight; datasets not named keep theirs. */
  loss: weightsByName.optional(),
});
export type WeightChange = z.infer<typeof WeightChangeSchema>;

const resolvedBackend = z.enum(RESOLVED_BACKENDS as [ResolvedBackend, ...ResolvedBackend[]]);
const deviceFields = { adapter: GpuAdapterSchema.optional(), usingGpu: z.literal(true).optional() };
const requestId = z.string().optional();
const at = { time: z.string() };

export const RunEventSchema = z.discriminatedUnion('kind', [
  /** The device, as in run.json's backend: `adapter` on webgpu, `usingGpu` when kernels run on a GPU. */
  z.object({ kind: z.literal('started'), ...at, backend: resolvedBackend, ...deviceFields }),
  z.object({ kind: z.literal('weights-requested'), ...at, epoch: epochNumber, step: count, change: WeightChangeSchema, requestId }),
  z.object({
    kind: z.literal('weights-applied'),
    ...at,
    /** The first epoch trained with the new weights. */
    epoch: epochNumber,
    sampling: weightsByName,
    loss: weightsByName,
    requestId,
  }),
  z.object({ kind: z.literal('weights-rejected'), ...at, reason: z.string(), requestId }),
  /**
   * The learning rate in force changed for the epoch starting now: set by its schedule, reduced on a
   * plateau (`reason` says which metric stalled) or asked for (`set-learning-rate`, `requestId` echoed).
   */
  z.object({
    kind: z.literal('learning-rate'),
    ...at,
    epoch: epochNumber,
    learningRate: z.number(),
    previous: z.number(),
    cause: z.enum(['schedule', 'plateau', 'request']),
    reason: z.string().optional(),
    requestId,
  }),
  /** A schedule set weights or the temperature for the epoch starting now (only what changed). */
  z.object({
    kind: z.literal('weights-scheduled'),
    ...at,
    epoch: epochNumber,
    sampling: weightsByName.optional(),
    loss: weightsByName.optional(),
    temperature: z.number().optional(),
  }),
  /**
   * At an epoch end, a balancer in `suggest` mode (or, with `balancer: diagnostics`, the balance
   * warnings) proposes changes for the next epochs: loss weights, sampling weights and/or switching
   * on a dataset's `augment: auto`. Accepting is a `set-weights` request whose requestId is the
   * suggestionId (its weights may be edited); rejecting is a `reject-suggestion` command.
   * `dataset` is the one the reason is about; `expected` what the change should do, in numbers.
   */
  z.object({
    kind: z.literal('weights-suggested'),
    ...at,
    epoch: epochNumber,
    suggestionId: z.string(),
    balancer: z.string(),
    loss: weightsByName.optional(),
    sampling: weightsByName.optional(),
    augment: z.array(z.string()).optional(),
    dataset: z.string().optional(),
    reason: z.string(),
    expected: z.string().optional(),
  }),
  /** The `sampling` balancer in `auto` mode moved the sampling multipliers for the epoch to come: each dataset's multiplier and share. */
  z.object({
    kind: z.literal('sampling-balanced'),
    ...at,
    /** The epoch that ended. */
    epoch: epochNumber,
    multipliers: weightsByName,
    shares: weightsByName,
    reason: z.string(),
  }),
  /** A dataset's augmentation preset was switched on (its `augment: auto` found it memorised, or it was asked for). */
  z.object({
    kind: z.literal('augmentation-on'),
    ...at,
    /** The first epoch trained with it. */
    epoch: epochNumber,
    dataset: z.string(),
    augment: z.record(z.string(), z.number()),
    reason: z.string(),
    requestId,
  }),
  z.object({
    kind: z.literal('suggestion-decided'),
    ...at,
    epoch: epochNumber,
    suggestionId: z.string(),
    decision: z.enum(['accepted', 'edited', 'rejected', 'superseded']),
    loss: weightsByName.optional(),
    sampling: weightsByName.optional(),
    augment: z.array(z.string()).optional(),
  }),
  /** `reason`: the trainer paused itself (the run folder could not be written). */
  z.object({ kind: z.literal('paused'), ...at, epoch: epochNumber, step: count, reason: z.string().optional() }),
  z.object({ kind: z.literal('resumed'), ...at, epoch: epochNumber, step: count }),
  z.object({ kind: z.literal('checkpoint'), ...at, epoch: epochNumber, name: z.string(), best: z.boolean() }),
  /**
   * The run continues from a checkpoint; records after that checkpoint's epoch were dropped. A
   * resumed trainer records this instead of `started` (`backend`: the one it selected).
   */
  z.object({
    kind: z.literal('resumed-from-checkpoint'),
    ...at,
    epoch: epochNumber,
    checkpoint: z.string(),
    skipped: z.array(z.string()),
    backend: resolvedBackend.optional(),
    ...deviceFields,
  }),
  /** `reason`: the trainer ended training itself before its last epoch (early stopping, a budget), after epoch `epoch`. */
  z.object({ kind: z.literal('completed'), ...at, epoch: epochNumber.optional(), reason: z.string().optional() }),
  /** A user (or a signal) stopped the run; `reason` only in runs recorded before early stopping ended runs `completed`. */
  z.object({ kind: z.literal('stopped'), ...at, epoch: epochNumber, reason: z.string().optional() }),
  z.object({ kind: z.literal('failed'), ...at, message: z.string() }),
  /** `dataset` names the culprit; absent when it is no dataset (the l2 regulariser, the sum of finite terms). */
  z.object({ kind: z.literal('diverged'), ...at, epoch: epochNumber, step: count, dataset: z.string().optional(), message: z.string() }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;

export type RunEventKind = RunEvent['kind'];

/**
 * The copy of its experiment a run keeps in its folder (`.jointrain/runs/<id>/experiment.jointrain.yaml`):
 * a record of what the run trained, whose data paths are relative to the original file's folder.
 */
export function isRunSnapshotPath(path: string): boolean {
  return /[\\/]\.jointrain[\\/]runs[\\/][^\\/]+[\\/]experiment\.jointrain\.yaml$/.test(path);
}

/**
 * A run id names a folder and the run's channel, so it is kept to letters, digits, `.`, `-` and `_`,
 * starts with a letter or digit (never `..` or a hidden folder) and is at most 120 characters.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

export function isValidRunId(id: string): boolean {
  return RUN_ID_PATTERN.test(id);
}

/** `20261129-184239-digits-6c54`: start time, experiment name, random suffix. Sorts by start time. */
export function createRunId(experimentName: string, now: Date = new Date(), random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug =
    experimentName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'run';
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${stamp}-${slug}-${suffix}`;
}
