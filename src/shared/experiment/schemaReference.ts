/**
 * docs/experiment-reference.md, generated from the experiment schema — the same JSON Schema the
 * editor features and media/jointrain.schema.json come from — so the reference can never disagree
 * with what validation accepts. `npm run schema` writes it; a test fails when it is stale.
 */
import { experimentJsonSchema } from './schema';

type Json = { [key: string]: unknown };

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One documented field: its dotted path, what it accepts, its default and its description. */
interface FieldRow {
  path: string;
  accepts: string;
  defaultValue: string;
  description: string;
}

/** A variant of a `oneOf` told apart by its `type` (a dataset kind, one or more layer types). */
interface Variant {
  name: string;
  description: string;
  rows: FieldRow[];
}

const code = (text: string) => `\`${text}\``;
const literal = (value: unknown) => (typeof value === 'number' || typeof value === 'string' ? String(value) : JSON.stringify(value));
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');

function typeOf(schema: Json): string {
  if ('const' in schema) return code(JSON.stringify(schema.const));
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => code(String(value))).join(', ');
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (Array.isArray(variants)) return [...new Set(variants.map(typeOf))].join(' or ');
  const type = schema.type;
  if (type === 'array') {
    const first = Array.isArray(schema.prefixItems) ? (schema.prefixItems as unknown[])[0] : schema.items;
    const items = isObject(first) ? typeOf(first) : 'value';
    const count = schema.minItems !== undefined && schema.minItems === schema.maxItems ? ` of ${literal(schema.minItems)}` : '';
    return `list${count} of ${items}`;
  }
  if (type === 'object' && isObject(schema.additionalProperties)) return `map of name → ${typeOf(schema.additionalProperties)}`;
  return `${typeof type === 'string' ? type : 'value'}${bounds(schema)}`;
}

function bounds(schema: Json): string {
  const parts: string[] = [];
  if (schema.type === 'integer' || schema.type === 'number') {
    if (schema.minimum !== undefined) parts.push(`≥ ${literal(schema.minimum)}`);
    if (schema.exclusiveMinimum !== undefined) parts.push(`> ${literal(schema.exclusiveMinimum)}`);
    // zod writes Number.MAX_SAFE_INTEGER as the maximum of every integer: no limit worth a word.
    if (typeof schema.maximum === 'number' && schema.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${schema.maximum}`);
    if (schema.exclusiveMaximum !== undefined) parts.push(`< ${literal(schema.exclusiveMaximum)}`);
  }
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function describe(schema: Json): string {
  if (typeof schema.description === 'string') return schema.description;
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  const described = Array.isArray(variants) ? variants.find((v) => typeof v.description === 'string') : undefined;
  return typeof described?.description === 'string' ? described.description : '';
}

/** The object schemas a field holds: itself, or the object variants of a union (a declared or a loaded model). */
function objectsOf(schema: Json): Json[] {
  if (isObject(schema.properties)) return [schema];
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  return Array.isArray(variants) ? variants.filter((v) => isObject(v.properties)) : [];
}

function fieldRows(schema: Json, prefix: string, skip: ReadonlySet<string> = new Set()): FieldRow[] {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(properties).flatMap(([key, value]) => {
    if (!isObject(value) || skip.has(key)) return [];
    const path = prefix ? `${prefix}.${key}` : key;
    const row: FieldRow = {
      path,
      accepts: typeOf(value),
      defaultValue: 'default' in value ? code(JSON.stringify(value.default)) : required.has(key) ? 'required' : '—',
      description: describe(value),
    };
    const items = value.type === 'array' && isObject(value.items) ? value.items : undefined;
    if (items && Array.isArray(items.oneOf)) return [row];
    const entries = value.type === 'object' && isObject(value.additionalProperties) ? value.additionalProperties : undefined;
    const children = [
      ...objectsOf(value).flatMap((nested) => fieldRows(nested, path)),
      ...(items && isObject(items.properties) ? fieldRows(items, `${path}[]`) : []),
      ...(entries ? objectsOf(entries).flatMap((nested) => fieldRows(nested, `${path}.<name>`)) : []),
    ];
    return [row, ...mergeByPath(children)];
  });
}

/** A field that two variants both have (a head's `task`) is one row: what either accepts, each meaning. */
function mergeByPath(rows: readonly FieldRow[]): FieldRow[] {
  const merged = new Map<string, FieldRow>();
  for (const row of rows) {
    const known = merged.get(row.path);
    if (known === undefined) merged.set(row.path, { ...row });
    else {
      if (!known.accepts.split(' or ').includes(row.accepts)) known.accepts = `${known.accepts} or ${row.accepts}`;
      if (known.defaultValue !== row.defaultValue && row.defaultValue !== 'required' && row.defaultValue !== '—') known.defaultValue = row.defaultValue;
      if (!known.description.includes(row.description)) known.description = `${known.description} / ${row.description}`;
    }
  }
  return [...merged.values()];
}

function variantsOf(schema: Json): Variant[] {
  const variants = Array.isArray(schema.oneOf) ? (schema.oneOf as Json[]) : Array.isArray(schema.anyOf) ? (schema.anyOf as Json[]) : [];
  return variants.flatMap((variant) => {
    const type = isObject(variant.properties) && isObject(variant.properties.type) ? variant.properties.type : undefined;
    const names = type === undefined ? [] : 'const' in type ? [type.const] : Array.isArray(type.enum) ? type.enum : [];
    if (type === undefined || names.length === 0) return [];
    return [{ name: names.map(String).join('`, `'), description: describe(type) || describe(variant), rows: fieldRows(variant, '', new Set(['type'])) }];
  });
}

function table(rows: readonly FieldRow[]): string[] {
  if (rows.length === 0) return ['No further fields.'];
  return [
    '| field | accepts | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${code(r.path)} | ${cell(r.accepts)} | ${cell(r.defaultValue)} | ${cell(r.description)} |`),
  ];
}

/** Finds every array of `oneOf` variants told apart by `type` (datasets, layers), by JSON path. */
function unionsIn(schema: unknown, path: string, found: Map<string, Json>): void {
  if (Array.isArray(schema)) return schema.forEach((item) => unionsIn(item, path, found));
  if (!isObject(schema)) return;
  if (schema.type === 'array' && isObject(schema.items) && variantsOf(schema.items).length > 1 && !found.has(path)) found.set(path, schema.items);
  for (const [key, value] of Object.entries(schema))
    unionsIn(value, key === 'properties' || key === 'items' || key === 'anyOf' || key === 'oneOf' ? path : `${path}.${key}`, found);
}

export function experimentReference(): string {
  const schema = experimentJsonSchema() as Json;
  const unions = new Map<string, Json>();
  unionsIn(schema, '', unions);
  const lines = [
    '# Experiment file reference',
    '',
    '<!-- Generated by `npm run schema` from src/shared/experiment/schema.ts; do not edit by hand. -->',
    '',
    typeof schema.description === 'string' ? schema.description : '',
    '',
    'Every field of a `*.jointrain.yaml` file, with what it accepts and its default. The editor offers',
    'the same documentation on hover, and `jointrain validate` checks a file against it.',
    '',
    '## Top level',
    '',
    ...table(fieldRows(schema, '')),
  ];
  const seen = new Set<string>();
  for (const union of unions.values()) {
    const variants = variantsOf(union);
    const key = variants.map((v) => v.name).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const isLayers = variants.some((v) => v.name === 'dense');
    lines.push('', isLayers ? '## Layer types' : '## Dataset types', '');
    lines.push(
      isLayers
        ? 'Each layer is `{ type: <name>, …arguments }`, in `model.stems.<stem>.layers`, `model.trunk` or `model.heads.<head>.layers`.'
        : 'Each entry of `datasets` has a `type`:',
    );
    for (const variant of variants) lines.push('', `### ${code(variant.name)}`, '', variant.description, '', ...table(variant.rows));
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
