import type { DataSplit } from './types';
import type { PixelBlob } from './pixelBlob';

/** A split of an image dataset: labels and blob slots in memory, pixels read from the decode cache. */
export class ImageSplit implements DataSplit {
  readonly size: number;
  /** Raw pixels of the last batch, reused so that reading allocates only the returned array. */
  private raw = new Uint8Array(0);

  constructor(
    private readonly blob: PixelBlob,
    private readonly slots: Int32Array,
    readonly labels: Int32Array,
    readonly sampleShape: readonly number[],
    private readonly scaleTable: Float32Array,
  ) {
    this.size = slots.length;
  }

  readBatch(indices: readonly number[]): Float32Array {
    const sampleBytes = this.blob.sampleBytes;
    const length = indices.length * sampleBytes;
    if (this.raw.length < length) this.raw = new Uint8Array(length);
    const raw = this.raw;
    for (let i = 0; i < indices.length; i++) {
      const slot = this.slots[indices[i] as number];
      if (slot === undefined) throw new RangeError(`sample ${indices[i]} is outside this split of ${this.size}`);
      this.blob.read(slot, raw, i * sampleBytes);
    }
    const out = uninitializedFloats(length);
    const table = this.scaleTable;
    for (let k = 0; k < length; k++) out[k] = table[raw[k] as number] as number;
    return out;
  }
}

/**
 * A zero-filled Float32Array of a batch (200 KB for 64 MNIST images) costs more than reading and
 * scaling its pixels; every element is written by the caller, so skip the zeroing.
 */
function uninitializedFloats(length: number): Float32Array {
  return new Float32Array(Buffer.allocUnsafeSlow(length * Float32Array.BYTES_PER_ELEMENT).buffer, 0, length);
}
