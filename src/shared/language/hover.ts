import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { FieldPath } from '../experiment/locate';
import { ExperimentSchema } from '../experiment/schema';
import { fieldsAt } from '../experiment/schemaPaths';
import { plainData } from './cursor';
import { descriptionOf, fieldDoc, fieldMarkdown } from './fieldDoc';

export interface HoverInfo {
  /** Markdown: type, default, description and an example. */
  markdown: string;
  /** Offsets of the key or value hovered. */
  range: { start: number; end: number };
}

interface HoveredPair {
  parent: FieldPath;
  key: string;
  range: { start: number; end: number };
}

/** The schema's documentation of the field whose key or scalar value is at `offset`. */
export function hoverAt(text: string, offset: number): HoverInfo | undefined {
  const document = parseDocument(text, { uniqueKeys: false, logLevel: 'error' });
  const hovered = pairAt(document.contents as Node | null, offset, []);
  if (!hovered) return undefined;
  const data = plainData(document);
  const declared = fieldsAt(ExperimentSchema, hovered.parent, data).get(hovered.key);
  if (declared) return { markdown: fieldMarkdown(fieldDoc(hovered.key, declared)), range: hovered.range };
  // A key of a name → value map (a stem, a head) is described by the map it is in.
  const section = hovered.parent[hovered.parent.length - 1];
  const map = typeof section === 'string' ? fieldsAt(ExperimentSchema, hovered.parent.slice(0, -1), data).get(section) : undefined;
  const description = map ? descriptionOf(map) : undefined;
  return description ? { markdown: `**${hovered.key}** (in \`${section}\`)\n\n${description}`, range: hovered.range } : undefined;
}

function pairAt(node: Node | null, offset: number, path: Array<string | number>): HoveredPair | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const key = String(pair.key.value);
      const value = pair.value as Node | null;
      if (within(pair.key.range, offset)) return { parent: path, key, range: { start: pair.key.range[0], end: pair.key.range[1] } };
      if (isScalar(value) && value.range && within(value.range, offset)) return { parent: path, key, range: { start: value.range[0], end: value.range[1] } };
      const inner = pairAt(value, offset, [...path, key]);
      if (inner) return inner;
    }
  }
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const inner = pairAt(item as Node | null, offset, [...path, index]);
      if (inner) return inner;
    }
  }
  return undefined;
}

function within(range: readonly number[], offset: number): boolean {
  return (range[0] ?? 0) <= offset && offset <= (range[1] ?? 0);
}
