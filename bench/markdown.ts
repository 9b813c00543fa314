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

/**
 * Replaces, within the results of `readmePath`, each section with the same title as one given;
 * the rest of the results stays as the last run wrote it.
 */
export function replaceSections(readmePath: string, sections: readonly BenchSection[]): void {
  let text = fs.readFileSync(readmePath, 'utf8');
  for (const section of sections) {
    const heading = `### ${section.title}\n`;
    const start = text.indexOf(heading, text.indexOf(START));
    const end = text.indexOf(END);
    if (end < 0) throw new Error(`${readmePath}: the results markers are missing; run the whole bench once`);
    if (start < 0) {
      // A benchmark added since the last full run: its section goes at the end of the results.
      text = `${text.slice(0, end)}${renderSection(section)}\n${text.slice(end)}`;
      continue;
    }
    const next = text.indexOf('\n### ', start + heading.length);
    const stop = next >= 0 && next < end ? next : end;
    text = `${text.slice(0, start)}${renderSection(section)}${text.slice(stop)}`;
  }
  fs.writeFileSync(readmePath, text);
}
