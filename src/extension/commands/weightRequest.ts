/** Checks a weight change typed by the user before it is sent; the trainer checks it again. */
import { weightChangeProblem, type CurrentWeights } from '../../shared/mixing/weightChange';
import { TrainerCommandSchema } from '../../shared/protocol/trainerCommands';

/** Why a typed weight change cannot be sent to a run whose weights are `current`, or undefined when it can. */
export function weightsProblem(text: string, current: CurrentWeights): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object like {"sampling": {…}, "loss": {…}}';
  const parsed = TrainerCommandSchema.safeParse({ type: 'set-weights', ...value });
  if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  if (parsed.data.type !== 'set-weights') return 'not a weight change';
  return weightChangeProblem(parsed.data, current) ?? augmentProblem(parsed.data.augment ?? [], current);
}

/** `augment` names datasets of the run (own names only), each once; the trainer refuses those that do not declare `augment: auto`. */
export function augmentProblem(augment: readonly string[], current: CurrentWeights): string | undefined {
  const unknown = augment.find((name) => !Object.hasOwn(current.sampling, name));
  if (unknown !== undefined) return `augmentation for unknown dataset '${unknown}' (datasets: ${Object.keys(current.sampling).join(', ') || 'none'})`;
  return new Set(augment).size === augment.length ? undefined : 'augmentation names a dataset twice';
}
