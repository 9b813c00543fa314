import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { FieldPath } from '../experiment/locate';

/** Stands for the word at the cursor while the document is re-parsed, so the cursor lands in the AST. */
const PLACEHOLDER = 'JOINTRAIN_CURSOR';
const WORD = /[^\s:{}[\],#'"]/;

/** Where the cursor is in the experiment's structure, and what typing there replaces. */
export interface CursorContext {
  /** A key of the map at `path`, or the value at `path`. */
  kind: 'key' | 'value';
  path: FieldPath;
  /** Offsets of the word under the cursor: what a completion replaces. */
  replace: { start: number; end: number };
  /** The part of that word before the cursor. */
  prefix: string;
  /** Inside `{ }` or `[ ]`, where only one-line insertions fit. */
  flow: boolean;
  /** Plain data of the document as typed (the placeholder in place of the word). */
  data: unknown;
}

/**
 * Finds what the cursor is on by putting a placeholder in place of the word being typed (as a key
 * when the line has no `key:` before the cursor, else as a value) and locating it in the parsed
 * document; this works in half-typed, even invalid, files, in block and flow style alike.
 */
export function cursorContext(text: string, offset: number): CursorContext | undefined {
  const start = wordBoundary(text, offset, -1);
  const end = wordBoundary(text, offset, 1);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(lineStart, start);
  if (before.includes('#') || /^\s*---/.test(before)) return undefined;
  const opener = Math.max(before.lastIndexOf('{'), before.lastIndexOf('['), before.lastIndexOf(','));
  const segment = before.slice(opener + 1);
  const flow = flowDepth(text.slice(0, start)) > 0;
  const inFlowSequence = opener >= 0 && lastOpenBracket(before) === '[';
  const isValue = /:(\s|$)/.test(segment) || inFlowSequence;
  const rest = text.slice(end, text.indexOf('\n', end) === -1 ? text.length : text.indexOf('\n', end));
  const hasColon = /^\s*:/.test(rest);
  const placeholder = isValue || hasColon ? PLACEHOLDER : `${PLACEHOLDER}: `;
  const document = parseDocument(text.slice(0, start) + placeholder + text.slice(end), { uniqueKeys: false, logLevel: 'error' });
  const found = findPlaceholder(document.contents as Node | null, []);
  if (!found) return undefined;
  return { ...found, replace: { start, end }, prefix: text.slice(start, offset), flow, data: plainData(document) };
}

function wordBoundary(text: string, offset: number, step: -1 | 1): number {
  let at = offset;
  while (step < 0 ? at > 0 && WORD.test(text.charAt(at - 1)) : at < text.length && WORD.test(text.charAt(at))) at += step;
  return at;
}

/** How many `{`/`[` are open at the end of `text` (quoted strings and comments ignored). */
function flowDepth(text: string): number {
  let depth = 0;
  for (const line of text.split('\n')) {
    for (const char of line.replace(/"[^"]*"|'[^']*'/g, '').replace(/#.*$/, '')) {
      if (char === '{' || char === '[') depth += 1;
      if ((char === '}' || char === ']') && depth > 0) depth -= 1;
    }
  }
  return depth;
}

function lastOpenBracket(line: string): '{' | '[' | undefined {
  const stack: Array<'{' | '['> = [];
  for (const char of line) {
    if (char === '{' || char === '[') stack.push(char);
    if (char === '}' || char === ']') stack.pop();
  }
  return stack[stack.length - 1];
}

function findPlaceholder(node: Node | null, path: Array<string | number>): Pick<CursorContext, 'kind' | 'path'> | undefined {
  if (isScalar(node) && node.value === PLACEHOLDER) return { kind: 'value', path };
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key === PLACEHOLDER) return { kind: 'key', path };
      const inner = findPlaceholder(pair.value as Node | null, [...path, key]);
      if (inner) return inner;
    }
  }
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const inner = findPlaceholder(item as Node | null, [...path, index]);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The document as plain data; undefined when it cannot be (aliases expanding beyond yaml's limit). */
export function plainData(document: Document): unknown {
  try {
    return document.toJS();
  } catch {
    return undefined;
  }
}

export function isPlaceholderKey(key: string): boolean {
  return key === PLACEHOLDER;
}
