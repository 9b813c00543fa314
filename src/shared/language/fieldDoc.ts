import { stringify } from 'yaml';
import { z } from 'zod';
import { unwrap, type Schema } from '../experiment/schemaPaths';

/** What the editor tells about one field of the experiment file: from the schema, nowhere else. */
export interface FieldDoc {
  key: string;
  description?: string;
  /** `number`, `"a" | "b"`, `list of layer`, ... */
  type: string;
  /** The default as YAML, when the field has one. */
  defaultText?: string;
  required: boolean;
  /** The values an enum, literal or boolean accepts (the default first). */
  values: string[];
  /** A one-line YAML example of the field. */
  example: string;
}

export function fieldDoc(key: string, schema: Schema): FieldDoc {
  const defaultValue = defaultOf(schema);
  const values = valueOptions(schema);
  const defaultText = defaultValue === undefined ? undefined : flowYaml(defaultValue);
  const ordered = defaultText !== undefined && values.includes(defaultText) ? [defaultText, ...values.filter((value) => value !== defaultText)] : values;
  return {
    key,
    description: descriptionOf(schema),
    type: typeName(schema),
    defaultText,
    required: isRequired(schema),
    values: ordered,
    example: `${key}: ${defaultText ?? ordered[0] ?? exampleValue(unwrap(schema))}`,
  };
}

/** The field as Markdown: type and default, description, example. */
export function fieldMarkdown(doc: FieldDoc): string {
  const facts = [
    `**${doc.key}**: \`${doc.type}\``,
    doc.required ? 'required' : undefined,
    doc.defaultText !== undefined ? `default \`${doc.defaultText}\`` : undefined,
  ];
  const lines = [facts.filter(Boolean).join(' · ')];
  if (doc.description) lines.push('', doc.description);
  lines.push('', '```yaml', doc.example, '```');
  return lines.join('\n');
}

/** Optional and defaulted fields may be left out. */
export function isRequired(schema: Schema): boolean {
  return schema._zod.optin === undefined;
}

/** The first description found from the outermost wrapper inwards (`.describe()` may sit on either side of `.default()`). */
export function descriptionOf(schema: Schema): string | undefined {
  const own = z.globalRegistry.get(schema)?.description;
  if (own) return own;
  if (schema instanceof z.core.$ZodOptional || schema instanceof z.core.$ZodDefault || schema instanceof z.core.$ZodPrefault)
    return descriptionOf(schema._zod.def.innerType);
  return undefined;
}

function defaultOf(schema: Schema): unknown {
  if (schema instanceof z.core.$ZodDefault) return schema._zod.def.defaultValue;
  if (schema instanceof z.core.$ZodOptional) return defaultOf(schema._zod.def.innerType);
  return undefined;
}

/** The values an enum, literal or boolean accepts, as they are written in YAML. */
export function valueOptions(schema: Schema): string[] {
  const inner = unwrap(schema);
  if (inner instanceof z.core.$ZodEnum || inner instanceof z.core.$ZodLiteral) return [...(inner._zod.values ?? [])].map((value) => flowYaml(value));
  if (inner instanceof z.core.$ZodBoolean) return ['true', 'false'];
  if (inner instanceof z.core.$ZodUnion) return [...new Set(inner._zod.def.options.flatMap((option) => valueOptions(option)))];
  return [];
}

function typeName(schema: Schema): string {
  const inner = unwrap(schema);
  if (inner instanceof z.core.$ZodEnum || inner instanceof z.core.$ZodLiteral) return valueOptions(inner).join(' | ');
  if (inner instanceof z.core.$ZodNumber) return 'number';
  if (inner instanceof z.core.$ZodString) return 'string';
  if (inner instanceof z.core.$ZodTemplateLiteral)
    return inner._zod.def.parts.map((part) => (typeof part === 'object' && part !== null ? 'NAME' : String(part))).join('');
  if (inner instanceof z.core.$ZodBoolean) return 'boolean';
  if (inner instanceof z.core.$ZodArray) return `list of ${typeName(inner._zod.def.element)}`;
  if (inner instanceof z.core.$ZodTuple) return `[${inner._zod.def.items.map((item) => typeName(item)).join(', ')}]`;
  if (inner instanceof z.core.$ZodRecord) return `map of name → ${typeName(inner._zod.def.valueType)}`;
  if (inner instanceof z.core.$ZodDiscriminatedUnion) return `map chosen by \`${inner._zod.def.discriminator}\``;
  if (inner instanceof z.core.$ZodUnion) return [...new Set(inner._zod.def.options.map((option) => typeName(option)))].join(' or ');
  if (inner instanceof z.core.$ZodObject) return 'map';
  return 'value';
}

function exampleValue(inner: Schema): string {
  if (inner instanceof z.core.$ZodNumber) return '1';
  if (inner instanceof z.core.$ZodString) return 'name';
  if (inner instanceof z.core.$ZodArray) return '[]';
  if (inner instanceof z.core.$ZodTuple) return `[${inner._zod.def.items.map((item) => exampleValue(unwrap(item))).join(', ')}]`;
  if (inner instanceof z.core.$ZodUnion) return exampleValue(unwrap(inner._zod.def.options[0] ?? inner));
  if (inner instanceof z.core.$ZodObject) {
    const required = Object.entries(inner._zod.def.shape).filter(([, field]) => isRequired(field));
    return `{ ${required.map(([name, field]) => `${name}: ${valueOptions(field)[0] ?? exampleValue(unwrap(field))}`).join(', ')} }`;
  }
  return '{}';
}

/** A value as it is written inline in YAML: `0.2`, `temperature`, `{ split: 0.2 }`. */
function flowYaml(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? `{ ${entries.map(([key, inner]) => `${key}: ${flowYaml(inner)}`).join(', ')} }` : '{}';
  }
  return stringify(value).trimEnd();
}
