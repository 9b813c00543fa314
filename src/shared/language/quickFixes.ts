import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';
import type { ExperimentIssue } from '../experiment/issues';
import { parseExperiment } from '../experiment/parse';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  /** The issue it fixes; absent for an offer made at the cursor (adding a validation split). */
  issue?: ExperimentIssue;
  /** The one fix to apply with a single keystroke. */
  preferred: boolean;
}

const DID_YOU_MEAN = /did you mean [`"]([^`"]+)[`"]\?/;
const UNDEFINED_HEAD = /^head `([^`]+)` is not defined in model\.heads/;
const VALIDATION_SPLIT = '{ split: 0.2 }';

/**
 * The fixes for the issues of `text` that overlap the offsets [start, end], and the offer to add a
 * validation split to the dataset at `start` when it has none.
 */
export function quickFixesAt(text: string, file: string, start: number, end: number): QuickFix[] {
  const parsed = parseExperiment(text, file);
  const lines = new LineCounter();
  parseDocument(text, { lineCounter: lines });
  const offsetOf = (line: number, column: number): number => (lines.lineStarts[line - 1] ?? text.length) + column - 1;
  const fixes = parsed.issues.flatMap((issue) => {
    const issueStart = offsetOf(issue.line, issue.column);
    const issueEnd = offsetOf(issue.endLine, issue.endColumn);
    if (issueEnd < start || issueStart > end) return [];
    return fixesFor(issue, issueStart, issueEnd, parsed.document, text);
  });
  const split = addValidationSplit(parsed.document, text, start);
  return split && !fixes.some((fix) => fix.title === split.title) ? [...fixes, split] : fixes;
}

function fixesFor(issue: ExperimentIssue, start: number, end: number, document: Document, text: string): QuickFix[] {
  const fixes: QuickFix[] = [];
  const suggestion = DID_YOU_MEAN.exec(issue.message)?.[1];
  if (suggestion !== undefined) fixes.push({ title: `Change to \`${suggestion}\``, edits: [{ start, end, newText: suggestion }], issue, preferred: true });
  const head = UNDEFINED_HEAD.exec(issue.message)?.[1];
  const heads = document.getIn(['model', 'heads'], true);
  if (head !== undefined && isMap(heads)) {
    fixes.push({
      title: `Add head \`${head}\` to model.heads`,
      edits: [addPair(heads, `${head}: { task: classification }`, text)],
      issue,
      preferred: suggestion === undefined,
    });
  }
  const [section, index, field] = issue.path;
  if (section === 'datasets' && typeof index === 'number' && field === 'validation') {
    const value = document.getIn(['datasets', index, 'validation'], true) as Node | undefined;
    if (value?.range)
      fixes.push({
        title: `Set validation to \`${VALIDATION_SPLIT}\``,
        edits: [{ start: value.range[0], end: value.range[1], newText: VALIDATION_SPLIT }],
        issue,
        preferred: false,
      });
  }
  return fixes;
}

/** Offered anywhere in a dataset that does not say how its validation data is obtained. */
function addValidationSplit(document: Document, text: string, offset: number): QuickFix | undefined {
  const datasets = document.getIn(['datasets'], true) as Node | undefined;
  if (!datasets || !('items' in datasets) || !Array.isArray(datasets.items)) return undefined;
  const dataset = (datasets.items as unknown[]).find(
    (item): item is YAMLMap => isMap(item) && !!item.range && item.range[0] <= offset && offset <= item.range[1],
  );
  if (!dataset || dataset.items.some((pair) => isScalar(pair.key) && pair.key.value === 'validation')) return undefined;
  return { title: `Add \`validation: ${VALIDATION_SPLIT}\``, edits: [addPair(dataset, `validation: ${VALIDATION_SPLIT}`, text)], preferred: false };
}

/** Appends `entry` to a map: after its last pair on a new line at the same indentation, or before the `}` of a flow map. */
function addPair(map: YAMLMap, entry: string, text: string): TextEdit {
  const range = map.range ?? [0, 0, 0];
  if (map.flow) {
    const close = text.lastIndexOf('}', range[1]);
    if (!map.items.length) return { start: close, end: close, newText: ` ${entry} ` };
    const afterLast = text.slice(0, close).trimEnd().length;
    return { start: afterLast, end: afterLast, newText: `, ${entry}` };
  }
  const firstKey = map.items[0]?.key as Node | undefined;
  const keyStart = firstKey?.range?.[0] ?? range[0];
  const indent = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
  const end = text.slice(0, range[1]).trimEnd().length;
  return { start: end, end, newText: `\n${' '.repeat(indent)}${entry}` };
}
