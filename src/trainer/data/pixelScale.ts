import type { ImageDatasetSpec } from '../../shared/experiment/schema';

type PixelScale = ImageDatasetSpec['image']['scale'];

/** The float value of every uint8 pixel value under `scale`, so scaling is one table lookup. */
export function pixelScaleTable(scale: PixelScale): Float32Array {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = scale === 'unit' ? v / 255 : scale === 'symmetric' ? v / 127.5 - 1 : v;
  return table;
}
