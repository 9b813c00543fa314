/**
 * Host ↔ training-panel messages. The host sends a full `snapshot` when the panel is shown or asks
 * for one, then `delta`s; both carry a sequence number, and a panel that sees a gap asks for a
 * snapshot. A hidden panel is sent nothing (VS Code drops those messages). The webview is another
 * trust domain: everything it posts is validated here before it reaches the trainer.
 */
import { z } from 'zod';
import { RUN_ID_PATTERN, type MetricRecord, type RunEvent, type RunRecord, type RunStatus } from '../runs/format';
import type { ComparedRun, ComparisonCandidate } from './comparison';
import type { RunView } from './runView';

export const PANEL_PROTOCOL_VERSION = 2;
/** The webview panel type; also the key of the panel serializer. */
export const RUN_PANEL_VIEW_TYPE = 'jointrain.run';

/** Host → webview. */
export type HostToPanelMessage =
  /** The whole view; replaces whatever the panel holds. A panel that was hidden only ever gets this. */
  | { type: 'snapshot'; protocol: typeof PANEL_PROTOCOL_VERSION; seq: number; run: RunView }
  /** Records appended to the run folder since the previous message, folded by the panel with `foldRecords`. */
  | {
      type: 'delta';
      seq: number;
      metrics: MetricRecord[];
      events: RunEvent[];
      status?: RunStatus;
      epochs?: { total: number; completed: number };
      /** Which epoch model/ holds, and the test splits' results, once the run has written them. */
      model?: RunRecord['model'];
      test?: RunRecord['test'];
    }
  /** The answer to a panel request that did not change the run (e.g. a CSV export), shown as a notice. */
  | { type: 'notice'; seq: number; message: string }
  /**
   * The runs the panel may compare with, and the compared run's downsampled curves if one is
   * chosen. Sent after every snapshot, in answer to `compare`, and whenever the compared run or
   * the list of candidates changes on disk (a compared run that is still training is followed
   * live). It never touches the run view.
   */
  | { type: 'comparison'; seq: number; candidates: ComparisonCandidate[]; compared?: ComparedRun };

/** 32 MiB of base64: a page of charts at twice the pixel density is a few MiB. */
export const MAX_PNG_DATA_URL = 32 * 1024 * 1024;

const runId = z.string().regex(RUN_ID_PATTERN);
/** A trainer's suggestion id or a panel's request id: characters safe in a log line, at most the trainer command's 100. */
const suggestionId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/);
const weights = z
  .record(z.string().min(1).max(200), z.number().finite().nonnegative().max(1e6))
  .refine((record) => Object.keys(record).length <= 1000, 'too many datasets');

/** Webview → host, validated on receipt. */
export const PanelToHostMessageSchema = z.discriminatedUnion('type', [
  /** The webview has loaded and wants its first snapshot. */
  z.strictObject({ type: z.literal('ready') }),
  /** The webview saw a gap in the sequence numbers. */
  z.strictObject({ type: z.literal('request-snapshot') }),
  z.strictObject({
    type: z.literal('set-weights'),
    runId,
    /**
     * Echoed by the trainer's weights-requested/applied/rejected events. Chosen by the panel
     * (`panel-…`), or the id of the balancer's suggestion these weights accept (as proposed or edited).
     */
    requestId: suggestionId,
    /** Each a full set (every dataset of the run); absent when the request leaves that kind as it is (a suggestion that proposes only some kinds). */
    sampling: weights.optional(),
    loss: weights.optional(),
    /** Image datasets whose `augment: auto` switches on (an accepted suggestion's); checked against the run's datasets by the host. */
    augment: z.array(z.string().min(1).max(200)).max(1000).optional(),
  }),
  /** A learning rate from the next epoch on; the host forwards it as the trainer's `set-learning-rate`. */
  z.strictObject({ type: z.literal('set-learning-rate'), runId, requestId: suggestionId, value: z.number().finite().positive().max(10) }),
  /** Decline a balancer's suggestion; the host forwards it as the trainer's `reject-suggestion`. */
  z.strictObject({ type: z.literal('reject-suggestion'), runId, suggestionId }),
  z.strictObject({ type: z.literal('pause'), runId }),
  z.strictObject({ type: z.literal('resume'), runId }),
  z.strictObject({ type: z.literal('stop'), runId }),
  z.strictObject({ type: z.literal('export-csv'), runId }),
  /** Draw another run of the same experiment over this one's curves; null stops comparing. */
  z.strictObject({ type: z.literal('compare'), runId, otherRunId: runId.nullable() }),
  /** The charts drawn into one PNG by the webview; the host checks it is a PNG before saving it. */
  z.strictObject({
    type: z.literal('export-png'),
    runId,
    dataUrl: z
      .string()
      .max(MAX_PNG_DATA_URL)
      .regex(/^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/),
  }),
]);

export type PanelToHostMessage = z.infer<typeof PanelToHostMessageSchema>;

export type ParsedPanelMessage = { ok: true; message: PanelToHostMessage } | { ok: false; error: string };

/** Never throws: a malformed message is reported, not obeyed. */
export function parsePanelMessage(value: unknown): ParsedPanelMessage {
  const parsed = PanelToHostMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}` };
}

/** What the panel keeps across hide/show and window reloads via `setState`; also read by the serializer. */
export interface PanelUiState {
  runId: string;
  smoothing: number;
  xAxis: 'step' | 'epoch';
  view: 'charts' | 'table';
  hiddenSeries: string[];
  /** The run drawn over this one's curves, if any; the host restores it after a window reload. */
  comparedRunId?: string | null;
}

export const PanelUiStateSchema = z.object({
  runId,
  smoothing: z.number().min(0).max(0.99).catch(0.6),
  xAxis: z.enum(['step', 'epoch']).catch('step'),
  view: z.enum(['charts', 'table']).catch('charts'),
  hiddenSeries: z.array(z.string().max(300)).max(1000).catch([]),
  comparedRunId: runId.nullable().optional().catch(null),
});
