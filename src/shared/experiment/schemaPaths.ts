import { z } from 'zod';
import type { FieldPath } from './locate';

export type Schema = z.core.$ZodType;

/** The value found at `path` in plain parsed data, or undefined. */
export function valueAt(data: unknown, path: FieldPath): unknown {
  let value = data;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

/** The keys an object may hold at `path` (the union of every alternative the data could match). */
export function keysAllowedAt(root: Schema, path: FieldPath, data: unknown): string[] {
  const keys = schemasAt(root, path, data).flatMap((schema) => (schema instanceof z.core.$ZodObject ? Object.keys(schema._zod.def.shape) : []));
  return [...new Set(keys)];
}

/**
 * The fields an object may hold at `path`, each with its schema as declared (wrappers such as
 * `.default()` kept, so that its description and default stay visible); first declaration wins.
 */
export function fieldsAt(root: Schema, path: FieldPath, data: unknown): Map<string, Schema> {
  const fields = new Map<string, Schema>();
  for (const schema of schemasAt(root, path, data)) {
    if (!(schema instanceof z.core.$ZodObject)) continue;
    for (const [key, field] of Object.entries(schema._zod.def.shape)) if (!fields.has(key)) fields.set(key, field);
  }
  return fields;
}

/** The schema with its wrappers (optional, default, pipe, ...) removed. */
export function unwrap(schema: Schema): Schema {
  if (
    schema instanceof z.core.$ZodOptional ||
    schema instanceof z.core.$ZodDefault ||
    schema instanceof z.core.$ZodPrefault ||
    schema instanceof z.core.$ZodNullable ||
    schema instanceof z.core.$ZodReadonly
  ) {
    return unwrap(schema._zod.def.innerType);
  }
  if (schema instanceof z.core.$ZodPipe) return unwrap(schema._zod.def.in);
  return schema;
}

/**
 * The schemas that apply at `path`, walking objects, records, arrays and tuples and expanding
 * unions; a discriminated union keeps only the option named by the data's discriminator.
 */
export function schemasAt(root: Schema, path: FieldPath, data: unknown): Schema[] {
  let schemas = alternatives(root, data);
  let value = data;
  for (const part of path) {
    value = valueAt(value, [part]);
    const atPart = value;
    schemas = schemas.flatMap((schema) => childSchemas(schema, part)).flatMap((schema) => alternatives(schema, atPart));
  }
  return schemas;
}

function alternatives(schema: Schema, data: unknown): Schema[] {
  const inner = unwrap(schema);
  if (inner instanceof z.core.$ZodDiscriminatedUnion) {
    const { discriminator, options } = inner._zod.def;
    const value = valueAt(data, [discriminator]) as z.core.util.Primitive;
    const matching = options.filter((option) => option._zod.propValues?.[discriminator]?.has(value));
    return (matching.length ? matching : options).flatMap((option) => alternatives(option, data));
  }
  if (inner instanceof z.core.$ZodUnion) return inner._zod.def.options.flatMap((option) => alternatives(option, data));
  return [inner];
}

function childSchemas(schema: Schema, part: string | number): Schema[] {
  if (schema instanceof z.core.$ZodObject) return optional(schema._zod.def.shape[part]);
  if (schema instanceof z.core.$ZodRecord) return [schema._zod.def.valueType];
  if (schema instanceof z.core.$ZodArray) return [schema._zod.def.element];
  if (schema instanceof z.core.$ZodTuple && typeof part === 'number') return optional(schema._zod.def.items[part]);
  return [];
}

function optional(schema: Schema | undefined): Schema[] {
  return schema ? [schema] : [];
}
