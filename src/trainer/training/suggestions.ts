/**
 * A balancer in `suggest` mode, or the balance warnings, propose changes at epoch ends: loss
 * weights, sampling weights, switching on a dataset's `augment: auto`. The user accepts, edits or
 * rejects them. This keeps the open proposals (saved in checkpoints) and turns a proposal into a
 * suggestion event with its reason and expected effect.
 */
import type { RunEvent } from '../../shared/runs/format';
import type { Resumable } from './resumable';

const now = () => new Date().toISOString();

/** What a suggestion would change: absent parts stay as they are. */
export interface SuggestedChange {
  loss?: Record<string, number>;
  sampling?: Record<string, number>;
  augment?: string[];
}

/** A proposal with the words that go with it. */
export interface Suggestion {
  change: SuggestedChange;
  /** Who proposes: the balancer's type, or `diagnostics`. */
  source: string;
  /** The dataset the reason is about. */
  dataset: string;
  /** The numbers it is based on and what it proposes. */
  reason: string;
  /** What the change should do. */
  expected: string;
}

/** Checkpoints of version 0.1 saved only loss weights, as the record itself. */
type SavedProposal = SuggestedChange | Record<string, number>;

function changeOf(saved: SavedProposal): SuggestedChange {
  const values = Object.values(saved);
  return values.length > 0 && values.every((value) => typeof value === 'number')
    ? { loss: { ...(saved as Record<string, number>) } }
    : copy(saved as SuggestedChange);
}

function copy(change: SuggestedChange): SuggestedChange {
  return {
    ...(change.loss ? { loss: { ...change.loss } } : {}),
    ...(change.sampling ? { sampling: { ...change.sampling } } : {}),
    ...(change.augment ? { augment: [...change.augment] } : {}),
  };
}

const sameWeights = (a: Record<string, number> | undefined, b: Record<string, number> | undefined) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

export function sameChange(a: SuggestedChange, b: SuggestedChange): boolean {
  return (
    sameWeights(a.loss, b.loss) &&
    sameWeights(a.sampling, b.sampling) &&
    JSON.stringify([...(a.augment ?? [])].sort()) === JSON.stringify([...(b.augment ?? [])].sort())
  );
}

export class Suggestions implements Resumable<Array<[string, SavedProposal]>> {
  private readonly proposals = new Map<string, SuggestedChange>();

  constructor(private readonly emit: (event: RunEvent) => void) {}

  open(id: string, change: SuggestedChange): void {
    this.proposals.set(id, copy(change));
  }

  /** Closes one; returns its proposal, or undefined when it is not open. */
  close(id: string): SuggestedChange | undefined {
    const change = this.proposals.get(id);
    this.proposals.delete(id);
    return change;
  }

  /** The open proposals, as a checkpoint saves them. */
  state(): Array<[string, SuggestedChange]> {
    return [...this.proposals].map(([id, change]) => [id, copy(change)]);
  }

  restore(entries: ReadonlyArray<[string, SavedProposal]>): void {
    this.proposals.clear();
    entries.forEach(([id, saved]) => this.open(id, changeOf(saved)));
  }

  /**
   * Opens `suggestion` as the one open suggestion: an older open one is superseded. The same
   * change as one still open is not proposed again (it would only ask for the same click).
   */
  propose(epoch: number, suggestion: Suggestion): void {
    if ([...this.proposals.values()].some((open) => sameChange(open, suggestion.change))) return;
    for (const open of [...this.proposals.keys()]) this.emit({ kind: 'suggestion-decided', time: now(), epoch, suggestionId: open, decision: 'superseded' });
    this.proposals.clear();
    const suggestionId = `suggestion-${epoch}`;
    this.open(suggestionId, suggestion.change);
    this.emit({
      kind: 'weights-suggested',
      time: now(),
      epoch,
      suggestionId,
      balancer: suggestion.source,
      ...copy(suggestion.change),
      dataset: suggestion.dataset,
      reason: suggestion.reason,
      expected: suggestion.expected,
    });
  }
}
