/**
 * Applies controller commands between steps — weight and learning-rate requests, suggestion answers,
 * pause/resume, stop — and holds the run while its folder cannot be written.
 */
import type { RunEvent } from '../../shared/runs/format';
import type { CommandInbox } from '../runs/commandInbox';
import { isWriteFault, type RunFolder } from '../runs/runFolder';
import type { DatasetWeights } from './datasetWeights';
import type { LearningRate } from './learningRate';
import type { Suggestions } from './suggestions';
import type { Augmentation } from './augmentation';

const now = () => new Date().toISOString();

/** How many invalid commands an epoch records as events before it records only that there were more. */
export const MAX_REJECTIONS_PER_EPOCH = 100;

/** Applies controller commands between steps: weight requests, pause/resume, stop. */
export class RunControl {
  stopRequested = false;
  /** Why the trainer stopped itself (early stopping); undefined when a user asked. */
  stopReason: string | undefined;
  /** Invalid commands recorded in `rejectionsEpoch`: a flood of them must not flood events.jsonl. */
  private rejections = 0;
  private rejectionsEpoch = 0;

  constructor(
    private readonly inbox: CommandInbox,
    private readonly weights: Pick<DatasetWeights, 'request'>,
    private readonly run: RunFolder,
    private readonly emit: (event: RunEvent) => void,
    private readonly suggestions: Suggestions,
    private readonly warn: (message: string) => void,
    private readonly learningRate?: Pick<LearningRate, 'request'>,
    private readonly augmentation?: Pick<Augmentation, 'request' | 'refusal'>,
  ) {}

  /** The trainer stops itself after this epoch, for `reason`. */
  requestStop(reason: string): void {
    this.stopRequested = true;
    this.stopReason ??= reason;
  }

  /**
   * The run folder cannot be written (a full disk, lost permissions): pause, say why, and wait for
   * a resume that finds it writable again (or a stop). Nothing is lost meanwhile: records wait in
   * memory. The status still reaches an attached host over the channel, which needs no disk.
   */
  async holdWhileUnwritable(epoch: number, step: number): Promise<void> {
    while (this.run.writeFailure !== undefined && !this.stopRequested) {
      const reason = this.run.writeFailure;
      this.warn(`${reason}: training is paused; free space or fix permissions, then resume the run`);
      this.run.update({ status: 'paused', error: reason });
      this.emit({ kind: 'paused', time: now(), epoch, step, reason });
      await this.handleCommands(epoch, step, () => this.run.retryWrites());
    }
  }

  /** Runs a write (a checkpoint) again after each pause for an unwritable folder, until it succeeds or the run stops. */
  async retryingWrites<T>(epoch: number, step: number, write: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await write();
      } catch (error) {
        if (!isWriteFault(error) || this.stopRequested) throw error;
        this.run.noteWriteFailure(error);
        await this.holdWhileUnwritable(epoch, step);
        if (this.stopRequested) throw error;
      }
    }
  }

  /**
   * Records an invalid command as `weights-rejected`, at most MAX_REJECTIONS_PER_EPOCH per epoch;
   * the one after them says that the rest of the epoch's are not recorded.
   */
  private rejectInvalid(epoch: number, reason: string): void {
    if (epoch !== this.rejectionsEpoch) {
      this.rejectionsEpoch = epoch;
      this.rejections = 0;
    }
    this.rejections++;
    if (this.rejections <= MAX_REJECTIONS_PER_EPOCH) {
      this.emit({ kind: 'weights-rejected', time: now(), reason: `invalid command from ${reason}` });
    } else if (this.rejections === MAX_REJECTIONS_PER_EPOCH + 1) {
      this.emit({
        kind: 'weights-rejected',
        time: now(),
        reason: `more than ${MAX_REJECTIONS_PER_EPOCH} invalid commands in epoch ${epoch}: the rest of this epoch's are skipped without an event`,
      });
    }
  }

  /**
   * Applies what controllers sent. With `writable`, the run starts paused and a `resume` takes
   * only once `writable()` says the run folder accepts writes again.
   */
  async handleCommands(epoch: number, step: number, writable?: () => boolean): Promise<void> {
    // Training steps are synchronous: yield one event-loop turn so stdin lines get read.
    await new Promise((resolve) => setImmediate(resolve));
    let paused = writable !== undefined;
    for (;;) {
      const { commands, invalid } = this.inbox.drain();
      invalid.forEach((reason) => this.rejectInvalid(epoch, reason));
      for (const command of commands) {
        switch (command.type) {
          case 'set-weights': {
            const change = { ...(command.sampling ? { sampling: command.sampling } : {}), ...(command.loss ? { loss: command.loss } : {}) };
            const augment = command.augment ?? [];
            const hasWeights = change.sampling !== undefined || change.loss !== undefined;
            const augmentProblem =
              augment.length === 0
                ? undefined
                : this.augmentation === undefined
                  ? 'this trainer cannot switch augmentation on'
                  : augment.map((name) => this.augmentation?.refusal(name)).find((why) => why !== undefined);
            const problem =
              augmentProblem ??
              (hasWeights ? this.weights.request(change, command.requestId) : augment.length === 0 ? 'the request changes nothing' : undefined);
            const requestId = command.requestId ? { requestId: command.requestId } : {};
            if (problem === undefined) {
              if (augment.length > 0) this.augmentation?.request(augment, command.requestId);
              if (hasWeights) this.emit({ kind: 'weights-requested', time: now(), epoch, step, change, ...requestId });
              const proposal = command.requestId === undefined ? undefined : this.suggestions.close(command.requestId);
              if (proposal !== undefined && command.requestId !== undefined) {
                const differs = (asked: Record<string, number> | undefined, proposed: Record<string, number> | undefined) =>
                  Object.entries(asked ?? {}).some(([name, value]) => proposed?.[name] !== value);
                const edited =
                  differs(command.loss, proposal.loss) ||
                  differs(command.sampling, proposal.sampling) ||
                  (command.sampling !== undefined && proposal.sampling === undefined) ||
                  JSON.stringify([...augment].sort()) !== JSON.stringify([...(proposal.augment ?? [])].sort());
                const loss = proposal.loss || command.loss ? { ...proposal.loss, ...command.loss } : undefined;
                const sampling = proposal.sampling || command.sampling ? { ...proposal.sampling, ...command.sampling } : undefined;
                this.emit({
                  kind: 'suggestion-decided',
                  time: now(),
                  epoch,
                  suggestionId: command.requestId,
                  decision: edited ? 'edited' : 'accepted',
                  ...(loss ? { loss } : {}),
                  ...(sampling ? { sampling } : {}),
                  ...(augment.length ? { augment } : {}),
                });
              }
            } else this.emit({ kind: 'weights-rejected', time: now(), reason: problem, ...requestId });
            break;
          }
          case 'set-learning-rate': {
            const problem = this.learningRate?.request(command.value, command.requestId) ?? 'this trainer cannot change its learning rate';
            if (problem !== undefined) this.warn(`set-learning-rate refused: ${problem}`);
            break;
          }
          case 'reject-suggestion':
            if (this.suggestions.close(command.suggestionId) !== undefined) {
              this.emit({ kind: 'suggestion-decided', time: now(), epoch, suggestionId: command.suggestionId, decision: 'rejected' });
            } else {
              this.emit({
                kind: 'weights-rejected',
                time: now(),
                reason: `no open suggestion '${command.suggestionId}' (it was decided or superseded)`,
                requestId: command.suggestionId,
              });
            }
            break;
          case 'pause':
            if (!paused) {
              paused = true;
              this.run.update({ status: 'paused' });
              this.emit({ kind: 'paused', time: now(), epoch, step });
            }
            break;
          case 'resume':
            if (paused && writable !== undefined && !writable()) {
              this.warn(`${this.run.writeFailure ?? 'the run folder'}: still not writable; the run stays paused`);
            } else if (paused) {
              paused = false;
              const record = { ...this.run.record };
              delete record.error;
              delete record.errorAt;
              this.run.record = record;
              this.run.update({ status: 'running' });
              this.emit({ kind: 'resumed', time: now(), epoch, step });
            }
            break;
          case 'stop':
            this.stopRequested = true;
            break;
        }
      }
      if (!paused || this.stopRequested) {
        if (paused) this.run.update({ status: 'running' });
        return;
      }
      await this.inbox.waitForInput();
    }
  }
}
