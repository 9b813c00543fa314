import sharp from 'sharp';
import { decodePngAtSize } from './decodePngAtSize';

/** The preprocessing every image of a dataset gets; part of the decode cache key. */
export interface DecodeTarget {
  height: number;
  width: number;
  channels: 1 | 3;
}

/** An image file that cannot be used; `reason` is shown to the user next to the file name. */
export class ImageDecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ImageDecodeError';
  }
}

let sharpConfigured = false;

/**
 * Our images are small and many are decoded at once, so one libvips thread per image (the
 * parallelism comes from the images in flight) and no operation cache (each file is seen once)
 * is fastest.
 */
function configureSharp(): void {
  if (sharpConfigured) return;
  sharp.concurrency(1);
  sharp.cache(false);
  sharpConfigured = true;
}

/**
 * Decodes an encoded png/jpeg/webp to `height × width × channels` uint8 pixels: resized to cover
 * the target and centre-cropped, alpha flattened onto black, converted to grey or RGB.
 */
export async function decodeImage(bytes: Buffer, target: DecodeTarget): Promise<Uint8Array> {
  if (bytes.length === 0) throw new ImageDecodeError('empty file (0 bytes)');
  const simple = decodePngAtSize(bytes, target.height, target.width);
  return simple ? convertChannels(simple.pixels, simple.channels, target.channels) : decodeWithSharp(bytes, target);
}

/** `decodeImage` through sharp alone, for every file the PNG fast path leaves to it. */
export async function decodeWithSharp(bytes: Buffer, target: DecodeTarget): Promise<Uint8Array> {
  configureSharp();
  let decoded: Awaited<ReturnType<typeof decodeRaw>>;
  try {
    decoded = await decodeRaw(bytes, target);
  } catch (error) {
    const message = error instanceof Error ? error.message.trim() : String(error);
    if (/pixel limit/i.test(message))
      throw new ImageDecodeError(
        `over the pixel limit: more than ${MAX_INPUT_PIXELS.toLocaleString('en-US')} pixels (a decompression bomb, or a photo far larger than training needs)`,
      );
    throw new ImageDecodeError(`cannot decode: ${message}`);
  }
  return convertChannels(decoded.data, decoded.info.channels, target.channels);
}

/**
 * Images larger than this are refused before their pixels are decoded: a small file can claim
 * billions of pixels (a decompression bomb), and training images are resized to a few thousand.
 */
export const MAX_INPUT_PIXELS = 50_000_000;

function decodeRaw(bytes: Buffer, target: DecodeTarget) {
  return sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
    .resize(target.width, target.height, { fit: 'cover', position: 'centre' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
}

/**
 * Converts interleaved 1–4 channel pixels (grey, grey+alpha, RGB, RGBA) to 1 or 3 channels.
 * Done here rather than in sharp because its colourspace conversion costs more than the decode
 * of a small image. Grey uses the Rec. 601 luma weights, as Pillow's `convert('L')` does.
 */
function convertChannels(pixels: Uint8Array, from: number, to: 1 | 3): Uint8Array {
  if (from === to) return pixels;
  const count = pixels.length / from;
  const out = new Uint8Array(count * to);
  const hasAlpha = from === 2 || from === 4;
  const colour = from >= 3;
  for (let i = 0, src = 0, dst = 0; i < count; i++, src += from, dst += to) {
    const alpha = hasAlpha ? (pixels[src + from - 1] as number) / 255 : 1;
    const r = pixels[src] as number;
    const g = colour ? (pixels[src + 1] as number) : r;
    const b = colour ? (pixels[src + 2] as number) : r;
    if (to === 1) {
      out[dst] = Math.round((0.299 * r + 0.587 * g + 0.114 * b) * alpha);
    } else {
      out[dst] = Math.round(r * alpha);
      out[dst + 1] = Math.round(g * alpha);
      out[dst + 2] = Math.round(b * alpha);
    }
  }
  return out;
}
