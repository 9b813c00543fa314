import type { DataSplit } from './types';

/** A split held in memory as row-major features, for small tabular data. */
export class MemorySplit implements DataSplit {
  readonly size: number;
  readonly sampleShape: readonly number[];
  private readonly sampleLength: number;

  constructor(
    private readonly features: Float32Array,
    readonly labels: Int32Array | Float32Array,
    sampleLength: number,
  ) {
    this.size = labels.length;
    this.sampleLength = sampleLength;
    this.sampleShape = [sampleLength];
  }

  readBatch(indices: readonly number[]): Float32Array {
    const length = this.sampleLength;
    const out = new Float32Array(indices.length * length);
    indices.forEach((index, i) => {
      if (!(index >= 0 && index < this.size)) throw new RangeError(`sample ${index} is outside this split of ${this.size}`);
      out.set(this.features.subarray(index * length, (index + 1) * length), i * length);
    });
    return out;
  }
}
