/** Validation of one JSON line arriving at a trust boundary: size, syntax, then schema. Never throws. */
import type { z } from 'zod';

export type ParsedLine<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseJsonLine<T>(schema: z.ZodType<T>, line: string, maxBytes: number, what: string): ParsedLine<T> {
  if (line.length > maxBytes) return { ok: false, error: `${what} longer than ${maxBytes} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not valid JSON' };
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, error: `${issue?.path.join('.') || what}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, value: result.data };
}
