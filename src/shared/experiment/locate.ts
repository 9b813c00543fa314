import { isAlias, isCollection, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { formatFieldPath, type ExperimentIssue } from './issues';

export type FieldPath = ReadonlyArray<string | number>;

/** Which part of a `key: value` pair an issue points at. */
export type IssueTarget = 'value' | 'key';

interface Located {
  /** The node at the path, or at its deepest existing ancestor when `found` is false. */
  node: Node | null;
  /** The key of the pair holding `node`, when `node` is a map value. */
  key: Node | null;
  found: boolean;
  /** The deepest node on the path that has a place in the file (values set by an override have none). */
  placed: Node | null;
}

/**
 * Turns field paths of an experiment into positioned issues, using the node ranges of the parsed
 * YAML document. A path that does not exist in the file (a missing key) points at its deepest
 * existing ancestor; a collection spanning several lines is pointed at by its key, so a problem
 * with a whole dataset underlines one line rather than the whole block.
 */
export class ExperimentLocator {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    readonly file: string,
  ) {}

  /** Whether the file spells out this path (as opposed to the value coming from a default). */
  has(path: FieldPath): boolean {
    return this.locate(path).found;
  }

  issue(path: FieldPath, message: string, severity: ExperimentIssue['severity'] = 'error', target: IssueTarget = 'value'): ExperimentIssue {
    const located = this.locate(path);
    const node = target === 'key' && located.found ? (located.key ?? located.node) : anchorOf(located.node, located.key);
    return this.issueAt(rangeOf(node?.range ? node : located.placed), [...path], message, severity);
  }

  /** An issue at raw source offsets, e.g. a YAML syntax error. */
  issueAt(range: readonly [number, number], path: FieldPath, message: string, severity: ExperimentIssue['severity'] = 'error'): ExperimentIssue {
    const start = this.lineCounter.linePos(range[0]);
    const end = this.lineCounter.linePos(range[1]);
    return { file: this.file, line: start.line, column: start.col, endLine: end.line, endColumn: end.col, path: [...path], message, severity };
  }

  /** 1-based line of a source offset. */
  lineAt(offset: number): number {
    return this.lineCounter.linePos(offset).line;
  }

  /** `file:line:col datasets[0].path`, for messages that name a field of the experiment. */
  place(path: FieldPath): string {
    const issue = this.issue(path, '');
    const field = formatFieldPath(path);
    return `${issue.file}:${issue.line}:${issue.column}${field ? ` ${field}` : ''}`;
  }

  private locate(path: FieldPath): Located {
    const root = this.document.contents;
    let located: Located = { node: root, key: null, found: true, placed: anchorOf(root, null) };
    for (const part of path) {
      const next = this.child(located.node, part);
      if (!next) return { ...located, found: false };
      const anchor = anchorOf(next.node, next.key);
      located = { ...next, placed: anchor?.range ? anchor : next.key?.range ? next.key : located.placed };
    }
    return located;
  }

  private child(node: Node | null, part: string | number): Omit<Located, 'placed'> | undefined {
    const collection = isAlias(node) ? node.resolve(this.document) : node;
    if (isMap(collection)) {
      const pair = collection.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (pair) return { node: (pair.value as Node | null) ?? null, key: pair.key as Node, found: true };
    }
    if (isSeq(collection) && typeof part === 'number') {
      const item = collection.items[part] as Node | null | undefined;
      if (item !== undefined) return { node: item, key: null, found: true };
    }
    return undefined;
  }
}

function anchorOf(node: Node | null, key: Node | null): Node | null {
  if (isCollection(node) && !node.flow) return key ?? firstChildAnchor(node);
  if (node && isEmpty(node)) return key ?? node;
  return node ?? key;
}

function firstChildAnchor(collection: Node): Node {
  if (isMap(collection)) {
    const first = collection.items[0];
    if (first && isScalar(first.key)) return first.key;
  }
  if (isSeq(collection)) {
    const first = collection.items[0] as Node | null | undefined;
    if (first) return anchorOf(first, null) ?? collection;
  }
  return collection;
}

function isEmpty(node: Node): boolean {
  return !!node.range && node.range[0] === node.range[1];
}

function rangeOf(node: Node | null): readonly [number, number] {
  const range = node?.range;
  return range ? [range[0], range[1]] : [0, 0];
}
