/**
 * Draws each step's batch across datasets. Batch composition is allocated deterministically from
 * the configured shares (largest-remainder with carried credit), so the realized share tracks the
 * configured one to within one sample per dataset over any run length; sample order within each
 * dataset is a seeded shuffle, reshuffled whenever a dataset is cycled.
 */
import type { MixingSpec } from '../../shared/experiment/schema';
import type { Random, RandomState } from '../../shared/random';

export interface SamplerState {
  streams: RandomState[];
  totalDrawn: number[];
}

/** Indices into each dataset's training split; `perDataset[d]` is empty when d has no samples this step. */
export interface MixedBatch {
  perDataset: number[][];
}

export interface SamplerAccounting {
  /** Samples drawn per dataset in the current epoch. */
  epochDrawn: number[];
  /** Samples drawn per dataset since the run started. */
  totalDrawn: number[];
}

class IndexStream {
  private order: number[] = [];
  private position = 0;

  constructor(
    private readonly size: number,
    readonly random: Random,
  ) {}

  restart(): void {
    this.order = this.random.shuffle(Array.from({ length: this.size }, (_, i) => i));
    this.position = 0;
  }

  take(count: number): number[] {
    const taken: number[] = [];
    while (taken.length < count) {
      if (this.position >= this.order.length) this.restart();
      taken.push(this.order[this.position++] as number);
    }
    return taken;
  }
}

export class MixingSampler {
  private readonly streams: IndexStream[];
  private credits: number[];
  private shares: number[];
  private stepInEpoch = 0;
  private epochOver = false;
  readonly accounting: SamplerAccounting;

  constructor(
    private readonly sizes: readonly number[],
    shares: readonly number[],
    private readonly epochEnd: MixingSpec['epoch_end'],
    private readonly batchSize: number,
    random: Random,
  ) {
    this.streams = sizes.map((size, d) => new IndexStream(size, random.fork(`dataset-${d}`)));
    this.shares = [...shares];
    this.credits = sizes.map(() => 0);
    this.accounting = { epochDrawn: sizes.map(() => 0), totalDrawn: sizes.map(() => 0) };
  }

  /** Starts an epoch with (possibly new) shares; every dataset starts a fresh shuffled pass. */
  startEpoch(shares: readonly number[] = this.shares): void {
    this.shares = [...shares];
    this.credits = this.sizes.map(() => 0);
    this.accounting.epochDrawn = this.sizes.map(() => 0);
    this.streams.forEach((stream) => stream.restart());
    this.stepInEpoch = 0;
    this.epochOver = false;
  }

  /** Steps this epoch will take with the current shares (exact for fixed steps, else the expected count). */
  stepsPerEpoch(): number {
    if (typeof this.epochEnd === 'object') return this.epochEnd.steps;
    const passSteps = this.sizes
      .map((size, d) => ((this.shares[d] ?? 0) > 0 ? size / ((this.shares[d] as number) * this.batchSize) : Number.NaN))
      .filter((steps) => !Number.isNaN(steps));
    const steps = this.epochEnd === 'first_exhausted' ? Math.min(...passSteps) : Math.max(...passSteps);
    return Math.max(1, Math.ceil(steps));
  }

  /** The next batch, or undefined when the epoch is over. */
  next(): MixedBatch | undefined {
    if (this.epochOver) return undefined;
    const counts = this.allocate();
    const perDataset = counts.map((count, d) => (count > 0 ? (this.streams[d] as IndexStream).take(count) : []));
    counts.forEach((count, d) => {
      this.accounting.epochDrawn[d] = (this.accounting.epochDrawn[d] ?? 0) + count;
      this.accounting.totalDrawn[d] = (this.accounting.totalDrawn[d] ?? 0) + count;
    });
    this.stepInEpoch++;
    this.epochOver = this.isEpochComplete();
    return { perDataset };
  }

  /**
   * What the next epochs depend on, saved at an epoch end: each dataset's shuffle stream (an epoch
   * starts with a fresh pass) and the samples drawn so far.
   */
  state(): SamplerState {
    return { streams: this.streams.map((stream) => stream.random.state()), totalDrawn: [...this.accounting.totalDrawn] };
  }

  restore(state: SamplerState): void {
    if (state.streams.length !== this.streams.length) throw new Error(`sampler state for ${state.streams.length} datasets, expected ${this.streams.length}`);
    state.streams.forEach((random, d) => this.streams[d]?.random.restore(random));
    this.accounting.totalDrawn = [...state.totalDrawn];
  }

  /** Share of this epoch's samples each dataset contributed so far. */
  realizedShares(): number[] {
    const total = this.accounting.epochDrawn.reduce((sum, n) => sum + n, 0);
    return this.accounting.epochDrawn.map((n) => (total > 0 ? n / total : 0));
  }

  private allocate(): number[] {
    const counts = this.shares.map((share, d) => {
      this.credits[d] = (this.credits[d] ?? 0) + share * this.batchSize;
      return Math.floor(this.credits[d]);
    });
    let remaining = this.batchSize - counts.reduce((sum, n) => sum + n, 0);
    const byRemainder = counts
      .map((count, d) => ({ d, remainder: (this.credits[d] as number) - count }))
      .filter(({ d }) => (this.shares[d] ?? 0) > 0)
      .sort((a, b) => b.remainder - a.remainder || a.d - b.d);
    for (const { d } of byRemainder) {
      if (remaining <= 0) break;
      counts[d] = (counts[d] as number) + 1;
      remaining--;
    }
    counts.forEach((count, d) => {
      this.credits[d] = (this.credits[d] as number) - count;
    });
    return counts;
  }

  private isEpochComplete(): boolean {
    if (typeof this.epochEnd === 'object') return this.stepInEpoch >= this.epochEnd.steps;
    const exhausted = this.sizes
      .map((size, d) => ({ size, d }))
      .filter(({ d }) => (this.shares[d] ?? 0) > 0)
      .map(({ size, d }) => (this.accounting.epochDrawn[d] as number) >= size);
    return this.epochEnd === 'first_exhausted' ? exhausted.some(Boolean) : exhausted.every(Boolean);
  }
}
