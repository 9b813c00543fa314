import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { Random } from '../../../src/shared/random';
import { decodeImage, decodeWithSharp, type DecodeTarget } from '../../../src/trainer/data/decodeImage';
import { decodePngAtSize } from '../../../src/trainer/data/decodePngAtSize';

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function chunk(type: string, body: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/**
 * An 8-bit PNG whose row `y` uses filter `y % 5`, so every filter is exercised (sharp's encoder
 * chooses its own); the image data is split over `idatChunks` IDAT chunks.
 */
function encodePng(pixels: Uint8Array, width: number, height: number, colourType: number, idatChunks = 1): Buffer {
  const bpp = CHANNELS[colourType] as number;
  const stride = width * bpp;
  const filtered = Buffer.alloc(height * (stride + 1));
  const at = (x: number, y: number) => (x >= 0 && y >= 0 ? (pixels[y * stride + x] as number) : 0);
  for (let y = 0; y < height; y++) {
    const filter = y % 5;
    filtered[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) {
      const [left, above, upperLeft] = [at(x - bpp, y), at(x, y - 1), at(x - bpp, y - 1)];
      const estimate = left + above - upperLeft;
      const [pa, pb, pc] = [Math.abs(estimate - left), Math.abs(estimate - above), Math.abs(estimate - upperLeft)];
      const paeth = pa <= pb && pa <= pc ? left : pb <= pc ? above : upperLeft;
      const predicted = [0, left, above, (left + above) >> 1, paeth][filter] as number;
      filtered[y * (stride + 1) + 1 + x] = (at(x, y) - predicted) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = colourType;
  const compressed = zlib.deflateSync(filtered);
  const step = Math.ceil(compressed.length / idatChunks);
  const data = Array.from({ length: idatChunks }, (_, i) => chunk('IDAT', compressed.subarray(i * step, (i + 1) * step)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), ...data, chunk('IEND', Buffer.alloc(0))]);
}

/** Plain bytes, so a Buffer and a Uint8Array with the same content compare equal. */
function bytesOf(pixels: Uint8Array): number[] {
  return Array.from(pixels);
}

function noise(length: number, seed: number): Uint8Array {
  const random = new Random(seed);
  return Uint8Array.from({ length }, () => random.nextInt(256));
}

test('the PNG fast path reads every filter and colour type exactly as sharp does', async () => {
  for (const colourType of [0, 2, 4, 6]) {
    const [width, height] = [7, 11];
    const pixels = noise(width * height * (CHANNELS[colourType] as number), colourType);
    const png = encodePng(pixels, width, height, colourType, 3);
    assert.ok(decodePngAtSize(png, height, width), `colour type ${colourType} takes the fast path`);
    for (const channels of [1, 3] as const) {
      const target: DecodeTarget = { height, width, channels };
      assert.deepEqual(
        bytesOf(await decodeImage(png, target)),
        bytesOf(await decodeWithSharp(png, target)),
        `colour type ${colourType} to ${channels} channels`,
      );
    }
  }
});

test('PNGs the fast path does not handle are left to sharp, and both paths agree', async () => {
  const pixels = noise(8 * 8 * 3, 1);
  const raw = { raw: { width: 8, height: 8, channels: 3 as const } };
  const interlaced = await sharp(Buffer.from(pixels), raw).png({ progressive: true }).toBuffer();
  const deep = await sharp(Buffer.from(pixels), raw).toColourspace('rgb16').png().toBuffer();
  const palette = await sharp(Buffer.from(pixels), raw).png({ palette: true }).toBuffer();
  const plain = encodePng(pixels, 8, 8, 2);
  const badCrc = Buffer.from(plain);
  badCrc[badCrc.length - 20] = (badCrc[badCrc.length - 20] as number) ^ 0xff;
  const cases = { deep, palette, badCrc, truncated: plain.subarray(0, plain.length - 12), jpeg: await sharp(Buffer.from(pixels), raw).jpeg().toBuffer() };
  for (const [name, bytes] of Object.entries(cases)) assert.equal(decodePngAtSize(bytes, 8, 8), undefined, name);
  assert.equal(decodePngAtSize(plain, 4, 4), undefined, 'a PNG that needs resizing');
  assert.ok(decodePngAtSize(plain, 8, 8));
  assert.ok(decodePngAtSize(interlaced, 8, 8), 'interlaced PNGs are read by pngjs too');
  const target: DecodeTarget = { height: 8, width: 8, channels: 3 };
  assert.deepEqual(bytesOf(await decodeImage(interlaced, target)), bytesOf(pixels));
  assert.deepEqual(bytesOf(await decodeImage(palette, target)), bytesOf(await decodeWithSharp(palette, target)));
});
