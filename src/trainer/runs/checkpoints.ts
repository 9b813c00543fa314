/**
 * Checkpoints under `<run>/checkpoints/epoch-NNNN/`: the model (tfjs layers format) and the
 * trainer state. Each is written to a temporary folder and renamed; `latest` is then replaced
 * atomically, so it always names a complete checkpoint. The last `keep_last` and the best are kept.
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorImproves } from '../../shared/experiment/monitor';
import type { TrainingSpec } from '../../shared/experiment/schema';
import { RUN_FILES } from '../../shared/runs/format';
import { writeAtomically } from '../../node/atomicWrite';
import { checkpointEpoch, checkpointName } from './checkpointNames';
import { folderSaveHandler } from './modelFiles';
import type { CheckpointState } from './trainerState';

type Policy = TrainingSpec['checkpoint'];

export class CheckpointKeeper {
  private best: { name: string; value: number } | undefined;
  private readonly written: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly policy: Policy,
  ) {}

  get bestCheckpoint(): { name: string; value: number; epoch: number } | undefined {
    return this.best && { ...this.best, epoch: checkpointEpoch(this.best.name) ?? 0 };
  }

  shouldSave(epoch: number, lastEpoch: boolean): boolean {
    return lastEpoch || epoch % this.policy.every_epochs === 0;
  }

  /**
   * Writes a checkpoint. `writeMore` adds files to it (the optimizer's slots) before it is renamed
   * into place; the trainer state it saves records the best checkpoint, this one included.
   */
  async save(model: tf.LayersModel, state: CheckpointState, writeMore?: (dir: string) => Promise<void>): Promise<{ name: string; best: boolean }> {
    const name = checkpointName(state.epoch);
    const best = this.policy.keep_best && monitorImproves(this.policy.monitor, state.monitor.value, this.best?.value);
    const bestAfter = best ? { name, value: state.monitor.value } : this.best;
    const saved = state.trainer && bestAfter ? { ...state, trainer: { ...state.trainer, best: bestAfter } } : state;
    const temporary = join(this.dir, `.${name}.tmp-${process.pid}`);
    rmSync(temporary, { recursive: true, force: true });
    await model.save(folderSaveHandler(temporary));
    await writeMore?.(temporary);
    writeAtomically(join(temporary, 'state.json'), `${JSON.stringify(saved, null, 2)}\n`);
    const final = join(this.dir, name);
    rmSync(final, { recursive: true, force: true });
    renameSync(temporary, final);
    writeAtomically(join(this.dir, RUN_FILES.latest), `${name}\n`);
    this.written.push(name);
    this.best = bestAfter;
    this.prune();
    return { name, best };
  }

  /** A resumed run continues the keeper of the run it resumes: the checkpoints on disk and the best. */
  restore(best: { name: string; value: number } | undefined): void {
    this.best = best;
    this.written.splice(
      0,
      this.written.length,
      ...readdirSync(this.dir)
        .filter((entry) => checkpointEpoch(entry) !== undefined)
        .sort(),
    );
  }

  private prune(): void {
    const keep = new Set(this.written.slice(-this.policy.keep_last));
    if (this.best) keep.add(this.best.name);
    for (const entry of readdirSync(this.dir)) {
      if (checkpointEpoch(entry) !== undefined && !keep.has(entry) && existsSync(join(this.dir, entry))) {
        rmSync(join(this.dir, entry), { recursive: true, force: true });
      }
    }
  }
}
