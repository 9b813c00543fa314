import type { SkippedFile } from '../../shared/runs/format';

/** At most this many skipped files or rows are listed in the report; the count stays exact. */
export const MAX_REPORTED_SKIPS = 100;

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
    this.summary.count++;
    if (className !== '') this.summary.byClass[className] = (this.summary.byClass[className] ?? 0) + 1;
    if (this.summary.items.length < MAX_REPORTED_SKIPS) this.summary.items.push({ file, className, reason });
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
