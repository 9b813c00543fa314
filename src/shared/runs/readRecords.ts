/** Parses the JSON Lines files of a run folder; a torn last line (a writer mid-append) is ignored. */
import type { MetricRecord, RunEvent } from './format';

export function parseJsonLines<T>(text: string): T[] {
  const records: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      break;
    }
  }
  return records;
}

export const parseMetrics = (text: string): MetricRecord[] => parseJsonLines<MetricRecord>(text);
export const parseEvents = (text: string): RunEvent[] => parseJsonLines<RunEvent>(text);

export function lastEpochRecord(records: readonly MetricRecord[]): Extract<MetricRecord, { kind: 'epoch' }> | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i];
    if (record?.kind === 'epoch') return record;
  }
  return undefined;
}
