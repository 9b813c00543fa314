/** Per-dataset running sums over one epoch's training steps. */
import type { DatasetStepOutcome } from './trainStep';

interface Sums {
  samples: number;
  lossSum: number;
  contribution: number;
  outcomeSum: number;
}

export class EpochTally {
  private readonly sums: Sums[];

  constructor(datasets: number) {
    this.sums = Array.from({ length: datasets }, () => ({ samples: 0, lossSum: 0, contribution: 0, outcomeSum: 0 }));
  }

  add(dataset: number, outcome: DatasetStepOutcome): void {
    const sums = this.sums[dataset] as Sums;
    sums.samples += outcome.samples;
    sums.lossSum += outcome.lossSum;
    sums.contribution += outcome.contribution;
    sums.outcomeSum += outcome.outcomeSum;
  }

  of(dataset: number): Readonly<Sums> {
    return this.sums[dataset] as Sums;
  }

  get totalSamples(): number {
    return this.sums.reduce((total, sums) => total + sums.samples, 0);
  }

  get totalContribution(): number {
    return this.sums.reduce((total, sums) => total + sums.contribution, 0);
  }
}
