/**
 * A balancer in `suggest` mode proposes loss weights at epoch ends; the user accepts, edits or
 * rejects them. This keeps the open proposals (saved in checkpoints) and turns a balancer's
 * proposal into a suggestion event with its reason.
 */
import type { RunEvent } from '../../shared/runs/format';
import type { Proposal } from '../balancing/loopBalancer';
import { suggestionReason } from '../balancing/suggestionReason';
import type { Resumable } from './resumable';

const now = () => new Date().toISOString();
const round = (value: number) => Math.round(value * 1000) / 1000;

export class Suggestions implements Resumable<Array<[string, Record<string, number>]>> {
  private readonly proposals = new Map<string, Record<string, number>>();

  constructor(
    private readonly names: readonly string[],
    private readonly balancer: string,
    private readonly emit: (event: RunEvent) => void,
  ) {}

  open(id: string, loss: Record<string, number>): void {
    this.proposals.set(id, loss);
  }

  /** Closes one; returns its proposal, or undefined when it is not open. */
  close(id: string): Record<string, number> | undefined {
    const loss = this.proposals.get(id);
    this.proposals.delete(id);
    return loss;
  }

  /** The open proposals, as a checkpoint saves them. */
  state(): Array<[string, Record<string, number>]> {
    return [...this.proposals].map(([id, loss]) => [id, { ...loss }]);
  }

  restore(entries: ReadonlyArray<[string, Record<string, number>]>): void {
    this.proposals.clear();
    entries.forEach(([id, loss]) => this.open(id, loss));
  }

  /**
   * Proposes the loss weights in force × the balancer's multipliers as the next loss weights; an
   * older open proposal is superseded. Proposing the weights in force would only ask the user to
   * click for nothing, so that is not proposed.
   */
  propose(epoch: number, proposal: Proposal, current: Readonly<Record<string, number>>): void {
    const { names } = this;
    const loss = Object.fromEntries(names.map((name, d) => [name, round((current[name] ?? 1) * (proposal.multipliers[d] ?? 1))]));
    if (names.every((name) => Math.abs((loss[name] ?? 0) - (current[name] ?? 0)) < 1e-3)) return;
    for (const open of [...this.proposals.keys()]) this.emit({ kind: 'suggestion-decided', time: now(), epoch, suggestionId: open, decision: 'superseded' });
    this.proposals.clear();
    const suggestionId = `suggestion-${epoch}`;
    this.open(suggestionId, loss);
    const reason = suggestionReason(
      [...names],
      names.map((name) => current[name] ?? 0),
      names.map((name) => loss[name] ?? 0),
      proposal.lossRatios,
      proposal.gradNorms ? { gradNorms: proposal.gradNorms } : {},
    );
    this.emit({ kind: 'weights-suggested', time: now(), epoch, suggestionId, balancer: this.balancer, loss, reason });
  }
}
