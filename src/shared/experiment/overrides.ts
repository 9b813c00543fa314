import { isSeq, parseDocument, type Document } from 'yaml';
import { formatFieldPath } from './issues';
import type { FieldPath } from './locate';

/** A change to one field made outside the file, e.g. `--set mixing.strategy=uniform`; the value is read as YAML. */
export interface ExperimentOverride {
  /** `mixing.strategy`, `datasets[0].loss_weight` or `datasets.0.loss_weight`. */
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
    const problem = applyOverride(document, overridePath(override.path), override.value);
    if (problem) problems.push(`override ${label}: ${problem}`);
    else applied.push({ path: overridePath(override.path), label });
  }
  return { applied, problems };
}

function applyOverride(document: Document, path: Array<string | number>, text: string): string | undefined {
  if (path.length === 0) return 'name a field, e.g. mixing.strategy=uniform';
  const value = parseDocument(text);
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
