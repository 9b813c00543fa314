/**
 * Per-class precision, recall and F1, and macro-F1, from a confusion matrix whose rows are the
 * true classes and columns the predicted ones (scikit-learn's convention). A class with no true
 * and no predicted samples counts in no average; precision of a class never predicted is 0, as
 * scikit-learn's zero_division=0 gives.
 */
export interface ClassMetrics {
  /** Per class, in the matrix's order. */
  perClass: Array<{ precision: number; recall: number; f1: number; support: number }>;
  /** Mean F1 over the classes that have true or predicted samples. */
  macroF1: number;
  accuracy: number;
}

export function classMetrics(confusion: readonly (readonly number[])[]): ClassMetrics {
  const k = confusion.length;
  const cell = (i: number, j: number) => confusion[i]?.[j] ?? 0;
  let total = 0;
  let correct = 0;
  const perClass = Array.from({ length: k }, (_, c) => {
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) support += cell(c, j);
    for (let i = 0; i < k; i++) predicted += cell(i, c);
    const hits = cell(c, c);
    total += support;
    correct += hits;
    const precision = predicted > 0 ? hits / predicted : 0;
    const recall = support > 0 ? hits / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support, present: support > 0 || predicted > 0 };
  });
  const present = perClass.filter((entry) => entry.present);
  return {
    perClass: perClass.map(({ precision, recall, f1, support }) => ({ precision, recall, f1, support })),
    macroF1: present.length > 0 ? present.reduce((sum, entry) => sum + entry.f1, 0) / present.length : Number.NaN,
    accuracy: total > 0 ? correct / total : Number.NaN,
  };
}

/** The classes with the lowest recall among those with samples, lowest first: where a dataset fails. */
export function weakestClasses(
  confusion: readonly (readonly number[])[],
  classNames: readonly string[],
  count: number,
): Array<{ name: string; recall: number; support: number }> {
  return classMetrics(confusion)
    .perClass.map((entry, c) => ({ name: classNames[c] ?? String(c), recall: entry.recall, support: entry.support }))
    .filter((entry) => entry.support > 0)
    .sort((a, b) => a.recall - b.recall || b.support - a.support)
    .slice(0, count);
}

/**
 * The most classes whose confusion matrix a run records (in every epoch record and in run.json):
 * 100 classes are 10,000 counts a line; beyond, the matrix is left out and the per-class scores
 * are still given by `jointrain evaluate --json`.
 */
export const MAX_RECORDED_CONFUSION_CLASSES = 100;

export function recordedConfusion(confusion: number[][] | undefined): number[][] | undefined {
  return confusion !== undefined && confusion.length <= MAX_RECORDED_CONFUSION_CLASSES ? confusion : undefined;
}
