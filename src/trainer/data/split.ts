import type { Random } from '../../shared/random';

/** Indices into the source's samples, each list in ascending order. */
export interface SplitIndices {
  train: number[];
  validation: number[];
}

/**
 * Holds out `fraction` of each class (rounded), shuffled by `random`; every class keeps at least
 * one training sample. Classes are visited in label order so the result depends only on the seed.
 */
export function splitStratified(labels: ArrayLike<number>, classCount: number, fraction: number, random: Random): SplitIndices {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i] as number]?.push(i);
  const train: number[] = [];
  const validation: number[] = [];
  for (const members of byClass) {
    const held = holdOut(members, fraction, random);
    train.push(...held.train);
    validation.push(...held.validation);
  }
  return { train: train.sort(byNumber), validation: validation.sort(byNumber) };
}

/** Holds out `fraction` of `count` samples (rounded, at least one kept for training), shuffled by `random`. */
export function splitRandom(count: number, fraction: number, random: Random): SplitIndices {
  const held = holdOut(
    Array.from({ length: count }, (_, i) => i),
    fraction,
    random,
  );
  return { train: held.train.sort(byNumber), validation: held.validation.sort(byNumber) };
}

function holdOut(members: number[], fraction: number, random: Random): SplitIndices {
  const shuffled = random.shuffle([...members]);
  const validationCount = Math.min(Math.round(shuffled.length * fraction), Math.max(shuffled.length - 1, 0));
  return { validation: shuffled.slice(0, validationCount), train: shuffled.slice(validationCount) };
}

function byNumber(a: number, b: number): number {
  return a - b;
}
