import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, when it is close enough to be a plausible typo: a case-only
 * difference, or an edit distance of at most a third of the longer word (and at least 1).
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  let best: { name: string; cost: number } | undefined;
  for (const name of candidates) {
    const cost = distance(word.toLowerCase(), name.toLowerCase());
    if (!best || cost < best.cost) best = { name, cost };
  }
  if (!best || best.name === word) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(word.length, best.name.length) / 3));
  return best.cost <= allowed ? best.name : undefined;
}

/** ` — did you mean `x`?` or an empty string; `quote` formats the suggestion. */
export function didYouMean(word: string, candidates: Iterable<string>, quote: (name: string) => string = backticks): string {
  const name = closestName(word, candidates);
  return name === undefined ? '' : ` — did you mean ${quote(name)}?`;
}

function backticks(name: string): string {
  return `\`${name}\``;
}
