import type { AugmentSpec } from '../../shared/experiment/schema';
import type { Random } from '../../shared/random';

/** The geometric change of one sample, applied about the image centre. */
export interface SampleGeometry {
  /** Degrees, counter-clockwise as seen on screen. */
  rotation: number;
  /** Pixels, right and down. */
  shiftX: number;
  shiftY: number;
  /** Degrees of horizontal shear. */
  shear: number;
  /** Scale factor; above 1 enlarges the content. */
  zoom: number;
  flipHorizontal: boolean;
  flipVertical: boolean;
}

/**
 * Everything random about augmenting one batch, drawn on the JS side from the seeded Random so a
 * run is reproducible. An absent part is not configured and its tensor op is skipped.
 */
export interface AugmentParams {
  geometry?: SampleGeometry[];
  /** Per sample offset added to every pixel. */
  brightness?: number[];
  /** Per sample factor applied around the sample's mean. */
  contrast?: number[];
  noise?: { std: number; seed: number };
}

export function drawAugmentParams(batchSize: number, height: number, width: number, spec: AugmentSpec, random: Random): AugmentParams {
  const params: AugmentParams = {};
  const symmetric = (range: number): number => (range > 0 ? (2 * random.nextFloat() - 1) * range : 0);
  const coin = (enabled: boolean): boolean => enabled && random.nextFloat() < 0.5;
  if (hasGeometry(spec)) {
    params.geometry = Array.from({ length: batchSize }, () => ({
      rotation: symmetric(spec.rotation),
      shiftX: symmetric(spec.width_shift) * width,
      shiftY: symmetric(spec.height_shift) * height,
      shear: symmetric(spec.shear),
      zoom: 1 + symmetric(spec.zoom),
      flipHorizontal: coin(spec.horizontal_flip),
      flipVertical: coin(spec.vertical_flip),
    }));
  }
  if (spec.brightness > 0) params.brightness = Array.from({ length: batchSize }, () => symmetric(spec.brightness));
  if (spec.contrast > 0) params.contrast = Array.from({ length: batchSize }, () => 1 + symmetric(spec.contrast));
  if (spec.noise > 0) params.noise = { std: spec.noise, seed: random.nextUint32() };
  return params;
}

function hasGeometry(spec: AugmentSpec): boolean {
  return spec.rotation > 0 || spec.width_shift > 0 || spec.height_shift > 0 || spec.shear > 0 || spec.zoom > 0 || spec.horizontal_flip || spec.vertical_flip;
}

/**
 * The 8 coefficients `tf.image.transform` takes for one sample. They map an *output* pixel (x, y)
 * to the *input* point it is read from, so this is the inverse of the forward change
 * `out = centre + shift + R·Shear·Zoom·Flip·(in − centre)`. Pixel centres are at integer
 * coordinates, so the image centre is ((w−1)/2, (h−1)/2) and flips are exact.
 */
export function inverseTransformRow(geometry: SampleGeometry, height: number, width: number): number[] {
  const radians = (geometry.rotation * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const shear = Math.tan((geometry.shear * Math.PI) / 180);
  const fx = (geometry.flipHorizontal ? -1 : 1) * geometry.zoom;
  const fy = (geometry.flipVertical ? -1 : 1) * geometry.zoom;
  // Forward A = [[cos, sin], [−sin, cos]] · [[1, shear], [0, 1]] · diag(fx, fy); y points down.
  const a00 = cos * fx;
  const a01 = (cos * shear + sin) * fy;
  const a10 = -sin * fx;
  const a11 = (-sin * shear + cos) * fy;
  const det = a00 * a11 - a01 * a10;
  const m00 = a11 / det;
  const m01 = -a01 / det;
  const m10 = -a10 / det;
  const m11 = a00 / det;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const ox = cx + geometry.shiftX;
  const oy = cy + geometry.shiftY;
  return [m00, m01, cx - m00 * ox - m01 * oy, m10, m11, cy - m10 * ox - m11 * oy, 0, 0];
}
