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
  /** The final model, in the tfjs layers format (model.json + weights.bin). */
  model: 'model',
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

export const BackendReportSchema = z.object({
  name: z.enum(RESOLVED_BACKENDS as [ResolvedBackend, ...ResolvedBackend[]]),
  requested: z.enum(BACKENDS),
  /** True when tfjs reports that kernels run on a GPU device. */
  usingGpu: z.boolean(),
  /** Why each faster backend was not used, in the order they were tried. */
  skipped: z.array(z.object({ name: z.enum(RESOLVED_BACKENDS as [ResolvedBackend, ...ResolvedBackend[]]), reason: z.string() })),
  /**
   * On wasm: the kernels jointrain registered (gradients wasm lacks) or replaced (MaxPoolGrad), by
   * tfjs kernel name. Absent on other backends and in runs recorded before it existed.
   */
  kernels: z.array(z.string()).optional(),
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
});
export type DatasetReport = z.infer<typeof DatasetReportSchema>;

export const RunTimingsSchema = z.object({
  startedAt: z.string(),
  endedAt: z.string().optional(),
  dataMs: z.number().optional(),
  trainMs: z.number().optional(),
});
export type RunTimings = z.infer<typeof RunTimingsSchema>;

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
  error: z.string().optional(),
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

/** Per-dataset numbers of one training step. */
export interface StepDatasetMetrics {
  samples: number;
  loss: number;
  accuracy?: number;
}

/** Per-dataset numbers of one epoch. */
export interface EpochDatasetMetrics {
  samples: number;
  trainLoss: number;
  trainAccuracy?: number;
  valLoss: number;
  valAccuracy?: number;
  /** Mean absolute error on validation, for regression heads. */
  valMae?: number;
  configuredShare: number;
  realizedShare: number;
  /** This dataset's share of the summed weighted training loss. */
  lossShare: number;
  /** How many times the dataset's training split has been seen so far (epochs-equivalent). */
  epochsSeen: number;
  samplingWeight: number;
  lossWeight: number;
  /**
   * The balancer's multiplier on the loss weight at the end of the epoch (uncertainty: exp(−s);
   * dwa, gradnorm: the adapted weight); absent with `static` and `pcgrad`.
   */
  balancerWeight?: number;
  /** Mean share of the summed gradient norm on the shared layers, over the epoch's diagnostic steps. */
  gradNormShare?: number;
}

/**
 * Gradient diagnostics of one step: each dataset's gradient on the parameters every dataset of the
 * step shares, its norm, and the cosine similarity of every pair. `names` orders the arrays; a
 * dataset absent from the step has null entries.
 */
export interface GradientDiagnostics {
  names: string[];
  /** ‖g_d‖ on the shared parameters (of its weighted loss term). */
  norms: (number | null)[];
  /** ‖g_d‖ / Σ_k ‖g_k‖. */
  normShares: (number | null)[];
  /** cos(g_a, g_b); the diagonal is 1. */
  cosine: (number | null)[][];
  /** How many parameters the datasets of the step share (the trunk, shared stems and heads). */
  sharedParameters: number;
}

/** What an epoch's diagnostic steps add up to: the heat map and the share chart read it. */
export interface EpochGradientSummary {
  names: string[];
  /** Diagnostic steps in the epoch. */
  steps: number;
  /** Mean cosine per pair over the steps where both datasets were present. */
  meanCosine: (number | null)[][];
  /** Fraction of those steps with cosine < 0 (the pair's gradients conflicted). */
  conflictFraction: (number | null)[][];
  /** Mean share of the summed gradient norm per dataset. */
  normShare: (number | null)[];
}

export type MetricRecord =
  | {
      kind: 'step';
      epoch: number;
      step: number;
      globalStep: number;
      time: string;
      totalLoss: number;
      datasets: Record<string, StepDatasetMetrics>;
    }
  | {
      kind: 'epoch';
      epoch: number;
      steps: number;
      time: string;
      durationMs: number;
      samplesPerSecond: number;
      totalLoss: number;
      datasets: Record<string, EpochDatasetMetrics>;
      /** The mixing temperature in force (it may follow a schedule). */
      temperature?: number;
      gradients?: EpochGradientSummary;
    }
  | ({ kind: 'diagnostics'; epoch: number; step: number; globalStep: number; time: string } & GradientDiagnostics);

export interface WeightChange {
  /** Dataset name → new sampling weight; datasets not named keep theirs. */
  sampling?: Record<string, number>;
  /** Dataset name → new loss weight; datasets not named keep theirs. */
  loss?: Record<string, number>;
}

export type RunEvent =
  | { kind: 'started'; time: string; backend: ResolvedBackend }
  | { kind: 'weights-requested'; time: string; epoch: number; step: number; change: WeightChange; requestId?: string }
  | {
      kind: 'weights-applied';
      time: string;
      /** The first epoch trained with the new weights. */
      epoch: number;
      sampling: Record<string, number>;
      loss: Record<string, number>;
      requestId?: string;
    }
  | { kind: 'weights-rejected'; time: string; reason: string; requestId?: string }
  /** A schedule set weights or the temperature for the epoch starting now (only what changed). */
  | { kind: 'weights-scheduled'; time: string; epoch: number; sampling?: Record<string, number>; loss?: Record<string, number>; temperature?: number }
  /**
   * A balancer in `suggest` mode proposes loss weights at an epoch end. Accepting is a
   * `set-weights` request whose requestId is the suggestionId (its weights may be edited);
   * rejecting is a `reject-suggestion` command.
   */
  | { kind: 'weights-suggested'; time: string; epoch: number; suggestionId: string; balancer: string; loss: Record<string, number>; reason: string }
  | {
      kind: 'suggestion-decided';
      time: string;
      epoch: number;
      suggestionId: string;
      decision: 'accepted' | 'edited' | 'rejected' | 'superseded';
      loss?: Record<string, number>;
    }
  /** `reason`: the trainer paused itself (the run folder could not be written). */
  | { kind: 'paused'; time: string; epoch: number; step: number; reason?: string }
  | { kind: 'resumed'; time: string; epoch: number; step: number }
  | { kind: 'checkpoint'; time: string; epoch: number; name: string; best: boolean }
  /**
   * The run continues from a checkpoint; records after that checkpoint's epoch were dropped. A
   * resumed trainer records this instead of `started` (`backend`: the one it selected).
   */
  | { kind: 'resumed-from-checkpoint'; time: string; epoch: number; checkpoint: string; skipped: string[]; backend?: ResolvedBackend }
  | { kind: 'completed'; time: string }
  | { kind: 'stopped'; time: string; epoch: number }
  | { kind: 'failed'; time: string; message: string }
  /** `dataset` names the culprit; absent when it is no dataset (the l2 regulariser, the sum of finite terms). */
  | { kind: 'diverged'; time: string; epoch: number; step: number; dataset?: string; message: string };

export type RunEventKind = RunEvent['kind'];

/**
 * A run id names a folder and the run's channel, so it is kept to letters, digits, `.`, `-` and `_`,
 * starts with a letter or digit (never `..` or a hidden folder) and is at most 120 characters.
 */
/**
 * The copy of its experiment a run keeps in its folder (`.jointrain/runs/<id>/experiment.jointrain.yaml`):
 * a record of what the run trained, whose data paths are relative to the original file's folder.
 */
export function isRunSnapshotPath(path: string): boolean {
  return /[\\/]\.jointrain[\\/]runs[\\/][^\\/]+[\\/]experiment\.jointrain\.yaml$/.test(path);
}

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
