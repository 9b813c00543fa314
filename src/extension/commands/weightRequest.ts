/** Checks a weight change typed by the user before it is sent; the trainer checks it again. */
import { TrainerCommandSchema } from '../../shared/protocol/trainerCommands';

/** Why a typed weight change cannot be sent, or undefined when it can. */
export function weightsProblem(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  const parsed = TrainerCommandSchema.safeParse({ type: 'set-weights', ...(value as object) });
  if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  if (parsed.data.type !== 'set-weights') return 'not a weight change';
  for (const kind of ['sampling', 'loss'] as const) {
    const weights = parsed.data[kind];
    if (weights && Object.keys(weights).length > 0 && Object.values(weights).every((weight) => weight === 0)) return `${kind} weights cannot all be zero`;
  }
  return undefined;
}
