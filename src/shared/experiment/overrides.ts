import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { formatFieldPath } from './issues';
import type { FieldPath } from './locate';
import { didYouMean } from './suggest';

/** A change to one field made outside the file, e.g. `--set mixing.strategy=uniform`; the value is read as YAML. */
export interface ExperimentOverride {
  /** `mixing.strategy`, `datasets[0].loss_weight`, `datasets.0.loss_weight` or `datasets.mnist.loss_weight`. */
  path: string;
  value: string;
}

/** An override as applied: its field path and the text that names it in messages. */
export interface AppliedOverride {
  path: Array<string | number>;
  label: string;
}

/** `datasets[0].loss_weight` → ['datasets', 0, 'loss_weight']; a part made only of digits is a list index. */
function overridePath(text: string): Array<string | number> {
  return text
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((part) => part !== '')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * Sets each override's value in the document, so that it is validated like the rest of the file.
 * Returns the overrides applied and, for each unusable one, a message saying why.
 */
export function applyOverrides(document: Document, overrides: readonly ExperimentOverride[]): { applied: AppliedOverride[]; problems: string[] } {
  const applied: AppliedOverride[] = [];
  const problems: string[] = [];
  for (const override of overrides) {
    const label = `${override.path}=${override.value}`;
    const named = byDatasetName(document, overridePath(override.path));
    const problem = 'problem' in named ? named.problem : applyOverride(document, named.path, override.value);
    if (problem) problems.push(`override ${label}: ${problem}`);
    else if ('path' in named) applied.push({ path: named.path, label });
  }
  return { applied, problems };
}

function applyOverride(document: Document, path: Array<string | number>, text: string): string | undefined {
  if (path.length === 0) return 'name a field, e.g. mixing.strategy=uniform';
  const value = parseDocument(text, { logLevel: 'error' });
  const [error] = value.errors;
  if (error) return `the value is not valid YAML (${error.message})`;
  const missingIndex = missingListIndex(document, path);
  if (missingIndex) return missingIndex;
  try {
    document.setIn(path, document.createNode(value.toJS()));
    return undefined;
  } catch {
    return `${formatFieldPath(path.slice(0, -1))} is not a map or a list in the file`;
  }
}

/**
 * `datasets.mnist-rot.augment` → `datasets.2.augment`: a dataset may be named instead of counted.
 * A name may hold dots (`mnist.v2`), so the longest run of parts that names a dataset wins.
 */
function byDatasetName(document: Document, path: Array<string | number>): { path: Array<string | number> } | { problem: string } {
  if (path[0] !== 'datasets' || typeof path[1] !== 'string') return { path };
  const list = document.getIn(['datasets'], true);
  const names = isSeq(list) ? list.items.map((item) => (isMap(item) ? item.get('name') : undefined)) : [];
  for (let end = path.length; end > 1; end--) {
    const name = path.slice(1, end).join('.');
    const index = names.indexOf(name);
    if (index >= 0) return { path: ['datasets', index, ...path.slice(end)] };
  }
  const known = names.filter((name): name is string => typeof name === 'string');
  return { problem: `no dataset is named \`${path[1]}\`${didYouMean(path[1], known)} (datasets: ${known.join(', ') || 'none'})` };
}

/** `setIn` would grow a list with holes; an override may only change an existing item. */
function missingListIndex(document: Document, path: FieldPath): string | undefined {
  for (const [index, part] of path.entries()) {
    const list = document.getIn(path.slice(0, index), true);
    if (typeof part === 'number' && isSeq(list) && part >= list.items.length) {
      return `${formatFieldPath(path.slice(0, index))} has ${list.items.length} item(s), so there is no index ${part}`;
    }
  }
  return undefined;
}
