import type { SkippedFile } from '../../shared/runs/format';

/** At most this many skipped files or rows are listed in the report; the count stays exact. */
export const MAX_REPORTED_SKIPS = 100;

/**
 * At most this many characters of a skip reason (or a class name) are recorded: a reason may quote
 * a CSV cell of any size, and run.json and the Problems panel need only enough to find the row.
 */
export const MAX_REASON_LENGTH = 200;

/** `text` cut to at most `limit` characters, ending in "…" when cut; a surrogate pair is never split. */
export function shorten(text: string, limit = MAX_REASON_LENGTH): string {
  if (text.length <= limit) return text;
  let end = limit - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** The part of a dataset report that records what was skipped, as `DatasetReport.skipped`. */
export interface SkippedSummary {
  count: number;
  byClass: Record<string, number>;
  items: SkippedFile[];
}

/**
 * Collects skipped files (or CSV rows) with their reason. Entries without a class (a CSV row whose
 * label could not be read, a regression row) count in `count` but not in `byClass`.
 */
export class SkipLog {
  private readonly summary: SkippedSummary = { count: 0, byClass: {}, items: [] };

  add(file: string, className: string, reason: string): void {
    const name = shorten(className);
    this.summary.count++;
    if (name !== '') this.summary.byClass[name] = (this.summary.byClass[name] ?? 0) + 1;
    if (this.summary.items.length < MAX_REPORTED_SKIPS) this.summary.items.push({ file, className: name, reason: shorten(reason) });
  }

  get count(): number {
    return this.summary.count;
  }

  toReport(): SkippedSummary {
    return { count: this.summary.count, byClass: { ...this.summary.byClass }, items: [...this.summary.items] };
  }
}

/** The run aborts when more than this fraction of a source's files or rows cannot be read. */
const MAX_BAD_FRACTION = 0.01;

export function tooManyBad(bad: number, total: number): boolean {
  return total > 0 && bad / total > MAX_BAD_FRACTION;
}
