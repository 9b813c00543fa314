/**
 * Trainer → host messages, sent as JSON lines over the run's local channel (a Unix socket or a
 * Windows named pipe, recorded in run.json → `channel`). They are a faster path to what the run
 * folder also records: a host that misses some (a window reload) re-reads the folder and
 * reconnects. Every message is validated on receipt: the trainer is another process. The per-dataset
 * numbers are the run folder's own schemas (`runs/format.ts`), so a message and a record cannot disagree.
 */
import { z } from 'zod';
import { EpochDatasetMetricsSchema, RUN_STATUSES, StepDatasetMetricsSchema } from '../runs/format';
import { parseJsonLine } from './jsonLine';
import { TRAINER_PROTOCOL_VERSION } from './trainerCommands';

const finite = z.number().finite();

const datasetRecord = <T extends z.ZodType>(value: T) =>
  z.record(z.string().max(200), value).refine((record) => Object.keys(record).length <= 1000, 'too many datasets');

/** Longer event messages (a failure listing many issues) are cut; run.json keeps the whole text. */
export const MAX_EVENT_MESSAGE_LENGTH = 4000;

export const TrainerMessageSchema = z.discriminatedUnion('type', [
  /** First message on every connection: which run this channel belongs to. */
  z.object({
    type: z.literal('hello'),
    protocol: z.literal(TRAINER_PROTOCOL_VERSION),
    runId: z.string().max(200),
    pid: z.number().int().positive(),
    status: z.enum(RUN_STATUSES),
  }),
  z.object({
    type: z.literal('step'),
    epoch: z.number().int().positive(),
    totalEpochs: z.number().int().positive(),
    step: z.number().int().positive(),
    stepsInEpoch: z.number().int().positive(),
    samplesPerSecond: finite.nonnegative(),
    datasets: datasetRecord(StepDatasetMetricsSchema),
  }),
  z.object({
    type: z.literal('epoch'),
    epoch: z.number().int().positive(),
    totalEpochs: z.number().int().positive(),
    datasets: datasetRecord(EpochDatasetMetricsSchema),
  }),
  /** A run event, as appended to events.jsonl; the host re-reads run.json for details. */
  z.object({
    type: z.literal('event'),
    kind: z.string().max(50),
    epoch: z.number().int().nonnegative().optional(),
    /** For weight events: the `requestId` of the set-weights command answered, so a panel can settle it. */
    requestId: z.string().max(100).optional(),
    message: z.string().max(MAX_EVENT_MESSAGE_LENGTH).optional(),
  }),
  z.object({ type: z.literal('status'), status: z.enum(RUN_STATUSES) }),
]);

export type TrainerMessage = z.infer<typeof TrainerMessageSchema>;

export const MAX_MESSAGE_BYTES = 1024 * 1024;

export type ParsedMessage = { ok: true; message: TrainerMessage } | { ok: false; error: string };

/** Parses one line from the trainer, or says why it is not a valid message. Never throws. */
export function parseTrainerMessage(line: string): ParsedMessage {
  const parsed = parseJsonLine(TrainerMessageSchema, line, MAX_MESSAGE_BYTES, 'message');
  return parsed.ok ? { ok: true, message: parsed.value } : parsed;
}

/**
 * Where a run's channel listens. Unix socket paths are limited to ~100 bytes, so they live in the
 * temp folder under a name derived from the run id, not in the (possibly deep) run folder.
 */
export function channelPath(runId: string, platform: string, tmpDir: string): string {
  // A short digest keeps the path within the socket limit (104 bytes on macOS, whose temp folder
  // alone is ~50); the id's tail keeps it recognisable.
  const name = `jointrain-${runId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(-8)}-${digest(runId)}`;
  return platform === 'win32' ? `\\\\.\\pipe\\${name}` : `${tmpDir.replace(/\/$/, '')}/${name}.sock`;
}

/** FNV-1a, 32 bits, as 8 hex digits: not for security, only to shorten a name without clashes in practice. */
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
