import fs from 'node:fs';

/**
 * Read access to a decode-cache blob: fixed-size uint8 samples stored back to back. Samples are
 * read with positional reads on one open descriptor, so only the requested bytes enter memory.
 */
export class PixelBlob {
  private fd: number | undefined;

  constructor(
    readonly path: string,
    readonly sampleBytes: number,
  ) {
    this.fd = fs.openSync(path, 'r');
  }

  /** Copies sample `slot` into `into` at `offset`. */
  read(slot: number, into: Uint8Array, offset: number): void {
    if (this.fd === undefined) throw new Error(`decode cache ${this.path} was read after close()`);
    const read = fs.readSync(this.fd, into, offset, this.sampleBytes, slot * this.sampleBytes);
    if (read !== this.sampleBytes) throw new Error(`decode cache ${this.path} is truncated at sample ${slot}; delete it to rebuild`);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
