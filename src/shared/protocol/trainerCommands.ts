/**
 * Host → trainer commands. The same JSON objects travel over the extension's channel, over the
 * trainer's stdin (one per line) and through the run folder's `control.jsonl`. Every command is
 * validated on receipt: a controller is another process and its input is not trusted.
 */
import { z } from 'zod';
import { parseJsonLine } from './jsonLine';

export const TRAINER_PROTOCOL_VERSION = 1;

const datasetWeights = z
  .record(z.string().min(1).max(200), z.number().finite().nonnegative().max(1e6))
  .refine((weights) => Object.keys(weights).length <= 1000, 'too many datasets');

export const TrainerCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('set-weights'),
    /** Echoed in the events that answer this request, so a controller can match them. */
    requestId: z.string().max(100).optional(),
    sampling: datasetWeights.optional(),
    loss: datasetWeights.optional(),
    /** Image datasets declaring `augment: auto` whose augmentation switches on at the next epoch boundary. */
    augment: z.array(z.string().min(1).max(200)).max(1000).optional(),
  }),
  z.strictObject({
    type: z.literal('set-learning-rate'),
    /** Echoed in the `learning-rate` event that applies it. */
    requestId: z.string().max(100).optional(),
    /** The learning rate from the next epoch on. */
    value: z.number().finite().positive().max(10),
  }),
  z.strictObject({ type: z.literal('reject-suggestion'), suggestionId: z.string().min(1).max(100) }),
  z.strictObject({ type: z.literal('pause') }),
  z.strictObject({ type: z.literal('resume') }),
  z.strictObject({ type: z.literal('stop') }),
]);

export type TrainerCommand = z.infer<typeof TrainerCommandSchema>;
export type SetWeightsCommand = Extract<TrainerCommand, { type: 'set-weights' }>;

export const MAX_COMMAND_BYTES = 64 * 1024;

export type ParsedCommand = { ok: true; command: TrainerCommand } | { ok: false; error: string };

/** Parses one line of JSON into a command, or says why it is not one. Never throws. */
export function parseTrainerCommand(line: string): ParsedCommand {
  const parsed = parseJsonLine(TrainerCommandSchema, line, MAX_COMMAND_BYTES, 'command');
  return parsed.ok ? { ok: true, command: parsed.value } : parsed;
}
