/**
 * The per-dataset sampling and loss weights in force, and the change waiting for the next epoch
 * boundary. A request is validated when it arrives (so a bad one is rejected at once, with a
 * reason) and applied only by `applyPending`, which the loop calls between epochs.
 */
import type { WeightChange } from '../../shared/runs/format';

export type Weights = Record<string, number>;

export class WeightSchedule {
  private pending: { change: WeightChange; requestIds: string[] } | undefined;

  constructor(
    private sampling: Weights,
    private loss: Weights,
  ) {}

  get current(): { sampling: Weights; loss: Weights } {
    return { sampling: { ...this.sampling }, loss: { ...this.loss } };
  }

  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** Queues a change after checking it against the weights it would produce; returns the reason if refused. */
  request(change: WeightChange, requestId?: string): string | undefined {
    const merged = {
      sampling: { ...this.sampling, ...this.pending?.change.sampling, ...change.sampling },
      loss: { ...this.loss, ...this.pending?.change.loss, ...change.loss },
    };
    const problem = checkWeights('sampling', change.sampling, merged.sampling, this.sampling) ?? checkWeights('loss', change.loss, merged.loss, this.loss);
    if (problem !== undefined) return problem;
    this.pending = {
      change: { sampling: { ...this.pending?.change.sampling, ...change.sampling }, loss: { ...this.pending?.change.loss, ...change.loss } },
      requestIds: [...(this.pending?.requestIds ?? []), ...(requestId === undefined ? [] : [requestId])],
    };
    return undefined;
  }

  /** Applies the queued change, if any, and returns the request ids it answers. */
  applyPending(): { requestIds: string[] } | undefined {
    if (this.pending === undefined) return undefined;
    this.sampling = { ...this.sampling, ...this.pending.change.sampling };
    this.loss = { ...this.loss, ...this.pending.change.loss };
    const { requestIds } = this.pending;
    this.pending = undefined;
    return { requestIds };
  }
}

function checkWeights(kind: string, requested: Weights | undefined, merged: Weights, known: Weights): string | undefined {
  for (const [name, value] of Object.entries(requested ?? {})) {
    if (!(name in known)) return `${kind} weight for unknown dataset '${name}' (datasets: ${Object.keys(known).join(', ')})`;
    if (!Number.isFinite(value) || value < 0) return `${kind} weight of '${name}' must be a finite number >= 0, got ${value}`;
  }
  if (Object.values(merged).every((value) => value === 0)) return `${kind} weights would all be zero: at least one dataset needs a positive weight`;
  return undefined;
}
