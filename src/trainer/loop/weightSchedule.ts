/**
 * The per-dataset sampling and loss weights in force, and the change waiting for the next epoch
 * boundary. A request is validated when it arrives (so a bad one is rejected at once, with a
 * reason) and applied only by `applyPending`, which the loop calls between epochs.
 */
import { weightChangeProblem } from '../../shared/mixing/weightChange';
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
    // The same rule the panel and the host apply before sending: judged over the change already waiting.
    const problem = weightChangeProblem(change, {
      sampling: { ...this.sampling, ...this.pending?.change.sampling },
      loss: { ...this.loss, ...this.pending?.change.loss },
    });
    if (problem !== undefined) return problem;
    this.pending = {
      change: { sampling: { ...this.pending?.change.sampling, ...change.sampling }, loss: { ...this.pending?.change.loss, ...change.loss } },
      requestIds: [...(this.pending?.requestIds ?? []), ...(requestId === undefined ? [] : [requestId])],
    };
    return undefined;
  }

  /** The change waiting for the next epoch boundary, for a checkpoint taken at an epoch end. */
  pendingState(): { change: WeightChange; requestIds: string[] } | undefined {
    return this.pending && { change: structuredClone(this.pending.change), requestIds: [...this.pending.requestIds] };
  }

  /** Restores weights and the waiting change from a checkpoint. */
  restore(weights: { sampling: Weights; loss: Weights }, pending: { change: WeightChange; requestIds: string[] } | undefined): void {
    this.sampling = { ...weights.sampling };
    this.loss = { ...weights.loss };
    // A checkpoint of an older version may hold a change naming no dataset (`constructor` passed
    // its check): dropped here, or it would fail every resume.
    this.pending = pending && {
      change: { sampling: knownOnly(pending.change.sampling, this.sampling), loss: knownOnly(pending.change.loss, this.loss) },
      requestIds: [...pending.requestIds],
    };
  }

  /** Applies the queued change, if any, and returns it with the request ids it answers. */
  applyPending(): { requestIds: string[]; change: WeightChange } | undefined {
    if (this.pending === undefined) return undefined;
    this.sampling = { ...this.sampling, ...this.pending.change.sampling };
    this.loss = { ...this.loss, ...this.pending.change.loss };
    const applied = this.pending;
    this.pending = undefined;
    return applied;
  }

  /**
   * Sets weights from schedules at an epoch boundary and returns those that changed. Scheduled
   * values come from the validated experiment, so they need no check; a change would only make
   * every weight zero if the schedules say so, and then the previous weights stay.
   */
  setScheduled(change: Required<WeightChange>): WeightChange {
    const next = { sampling: { ...this.sampling, ...change.sampling }, loss: { ...this.loss, ...change.loss } };
    if (Object.values(next.sampling).every((value) => value === 0) || Object.values(next.loss).every((value) => value === 0)) return {};
    const changed = (before: Weights, after: Weights) => Object.fromEntries(Object.entries(after).filter(([name, value]) => before[name] !== value));
    const diff = { sampling: changed(this.sampling, next.sampling), loss: changed(this.loss, next.loss) };
    this.sampling = next.sampling;
    this.loss = next.loss;
    return {
      ...(Object.keys(diff.sampling).length ? { sampling: diff.sampling } : {}),
      ...(Object.keys(diff.loss).length ? { loss: diff.loss } : {}),
    };
  }
}

function knownOnly(weights: Weights | undefined, known: Weights): Weights {
  return Object.fromEntries(Object.entries(weights ?? {}).filter(([name]) => Object.hasOwn(known, name)));
}
