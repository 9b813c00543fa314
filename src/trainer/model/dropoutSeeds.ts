/**
 * Where a model's dropout masks come from: a stream per training step, forked from the run's seed
 * by the global step (and the shard, for a data-parallel worker's rows), so that two runs with one
 * seed draw the same masks and a resumed run draws, from its first step on, the masks the
 * uninterrupted run drew. Each dropout call of the step takes the stream's next number as its
 * seed; a step's calls come in a fixed order, so each gets the same seed in every run. tfjs draws
 * a mask on the CPU from its seed, so cpu, wasm and webgpu draw the same masks.
 */
import { Random } from '../../shared/random';

export class DropoutSeeds {
  private stream: Random | undefined;

  constructor(private readonly runSeed: number) {}

  /** Starts the masks of one training step; `shard` 0 is the main thread's rows. */
  beginStep(globalStep: number, shard = 0): void {
    this.stream = new Random(this.runSeed).fork(`dropout:${globalStep}:${shard}`);
  }

  /** The seed of the next dropout call; undefined before any step has begun (tfjs then draws its own). */
  next(): number | undefined {
    return this.stream?.nextUint32();
  }
}
