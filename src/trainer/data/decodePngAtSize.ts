/**
 * Fast path for the common case of datasets of small PNGs already at the target size (MNIST-like
 * folders): sharp's fixed cost per call (~0.5 ms) dominates such tiny images and caps decoding well
 * below the pipeline's goal, while pngjs (zlib in Node) reads them in a few microseconds. Only plain
 * 8-bit, non-palette PNGs take it; anything else — or anything pngjs refuses — is left to sharp,
 * which also decides whether a file is broken.
 */
import { PNG } from 'pngjs';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PALETTE = 3;

/** RGBA pixels of a PNG of exactly `height × width`, or undefined when sharp must decode it. */
export function decodePngAtSize(bytes: Buffer, height: number, width: number): { pixels: Uint8Array; channels: 4 } | undefined {
  // IHDR is always the first chunk: width, height, bit depth, colour type at fixed offsets.
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(SIGNATURE)) return undefined;
  if (bytes.readUInt32BE(16) !== width || bytes.readUInt32BE(20) !== height) return undefined;
  if (bytes[24] !== 8 || bytes[25] === PALETTE) return undefined;
  try {
    const png = PNG.sync.read(bytes);
    return { pixels: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), channels: 4 };
  } catch {
    return undefined;
  }
}
