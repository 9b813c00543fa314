/** The pieces of the generated results section of bench/README.md. */
import fs from 'node:fs';

/** One benchmark's results: a heading and markdown lines (tables, goal verdicts). */
export interface BenchSection {
  title: string;
  body: string[];
}

export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** `**goal met** (≤ 1.05)` or `**goal missed** (≤ 1.05)`. */
export function verdict(met: boolean, goal: string): string {
  return `${met ? '**goal met**' : '**goal missed**'} (${goal})`;
}

export function renderSection(section: BenchSection): string {
  return [`### ${section.title}`, '', ...section.body, ''].join('\n');
}

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

/** Replaces what lies between the results markers of `readmePath`; the hand-written rest is kept. */
export function writeResults(readmePath: string, generated: string): void {
  const text = fs.readFileSync(readmePath, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`${readmePath}: the markers ${START} and ${END} are missing; put them where the results go`);
  }
  fs.writeFileSync(readmePath, `${text.slice(0, start + START.length)}\n${generated.trim()}\n${text.slice(end)}`);
}
