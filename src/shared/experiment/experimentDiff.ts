/**
 * What differs between the experiment snapshots of several runs, field by field — so that a table
 * comparing the runs says which change each column stands for.
 */
import { parse } from 'yaml';
import { formatFieldPath } from './issues';

export interface FieldDifference {
  /** `mixing.temperature`, `datasets[1].sampling_weight`. */
  field: string;
  /** One per experiment, in order; `—` where an experiment does not set the field. */
  values: string[];
}

/** The leaf values of a YAML document by field path; a document that does not parse has none. */
function leaves(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (value: unknown, path: Array<string | number>): void => {
    if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) found.set(formatFieldPath(path), JSON.stringify(value));
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (typeof value === 'object' && value !== null) Object.entries(value).forEach(([key, item]) => walk(item, [...path, key]));
    else found.set(formatFieldPath(path), typeof value === 'string' ? value : JSON.stringify(value));
  };
  try {
    walk(parse(text, { maxAliasCount: 100, logLevel: 'error' }), []);
  } catch {
    return found;
  }
  return found;
}

/** Every field whose value is not the same in all `snapshots`, in the order the first names them. */
export function experimentDifferences(snapshots: readonly string[]): FieldDifference[] {
  const all = snapshots.map(leaves);
  const fields = [...new Set(all.flatMap((values) => [...values.keys()]))];
  return fields.map((field) => ({ field, values: all.map((values) => values.get(field) ?? '—') })).filter(({ values }) => new Set(values).size > 1);
}

/**
 * Short labels for run ids: the `-`-separated parts that tell them apart (`032922-3667` for
 * `20261206-032922-digits-3667`); the whole id where the ids do not split alike.
 */
export function distinguishingLabels(ids: readonly string[]): string[] {
  const parts = ids.map((id) => id.split('-'));
  const length = parts[0]?.length ?? 0;
  if (ids.length < 2 || parts.some((p) => p.length !== length)) return [...ids];
  const differing = Array.from({ length }, (_, i) => i).filter((i) => new Set(parts.map((p) => p[i])).size > 1);
  return parts.map((p, i) => (differing.length ? differing.map((index) => p[index]).join('-') : (ids[i] as string)));
}
