/**
 * Parses the JSON Lines files of a run folder with their schemas. A torn last line (a writer
 * mid-append) ends the file; a line that parses but does not match (a newer trainer's record kind)
 * is skipped, so an older reader still shows what it understands.
 */
import type { z } from 'zod';
import { MetricRecordSchema, RunEventSchema, type MetricRecord, type RunEvent } from './format';

export function parseJsonLines<T>(text: string, schema: z.ZodType<T>): T[] {
  const records: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      break;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
  }
  return records;
}

export const parseMetrics = (text: string): MetricRecord[] => parseJsonLines(text, MetricRecordSchema);
export const parseEvents = (text: string): RunEvent[] => parseJsonLines(text, RunEventSchema);

export function lastEpochRecord(records: readonly MetricRecord[]): Extract<MetricRecord, { kind: 'epoch' }> | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i];
    if (record?.kind === 'epoch') return record;
  }
  return undefined;
}
