/**
 * A small seeded pseudo-random generator (sfc32), so that splits, sampling and augmentation are
 * reproducible from the experiment's seed. Pure: no I/O, no global state.
 */
export interface RandomState {
  words: [number, number, number, number];
  lineage: string;
  spareNormal?: number;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second normal deviate of the last Box–Muller pair, used by the next `normal()` call. */
  private spareNormal: number | undefined;
  /** The seed and the fork labels that led here; forks derive their state from it alone. */
  private lineage: string;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Random needs a finite seed, got ${seed}`);
    this.lineage = String(seed);
    [this.a, this.b, this.c, this.d] = seedWords(this.lineage);
    this.warmUp();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** Uniform integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new RangeError(`nextInt needs a positive integer bound, got ${maxExclusive}`);
    }
    return Math.floor(this.nextFloat() * maxExclusive);
  }

  /** Standard normal deviate (Box–Muller; the pair's second value is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    // 1 - u keeps the logarithm's argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
    const angle = 2 * Math.PI * this.nextFloat();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const held = items[i] as T;
      items[i] = items[j] as T;
      items[j] = held;
    }
    return items;
  }

  /**
   * An independent stream derived from the seed, the labels of earlier forks and `label` only:
   * it does not depend on how far this generator has advanced, and forking does not advance it,
   * so adding a consumer never changes the streams of the others.
   */
  fork(label: string): Random {
    const child = new Random(0);
    child.lineage = `${this.lineage}/${JSON.stringify(label)}`;
    [child.a, child.b, child.c, child.d] = seedWords(child.lineage);
    child.warmUp();
    return child;
  }

  /** Everything that decides the stream from here on: a checkpoint saves it, a resumed run restores it. */
  state(): RandomState {
    return { words: [this.a, this.b, this.c, this.d], lineage: this.lineage, ...(this.spareNormal !== undefined ? { spareNormal: this.spareNormal } : {}) };
  }

  restore(state: RandomState): void {
    [this.a, this.b, this.c, this.d] = state.words;
    this.lineage = state.lineage;
    this.spareNormal = state.spareNormal;
  }

  /** sfc32 needs a few rounds before its output is well mixed. */
  private warmUp(): void {
    for (let i = 0; i < 12; i++) this.nextUint32();
  }
}

/** Four 32-bit words from a string (cyrb128 hash), used as sfc32 state. */
function seedWords(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
