/** Number formatting shared by the CLI's progress line and tables, and how it prints a problem. */
import type { UserError } from '../errors';

export const percent = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '—' : `${(value * 100).toFixed(1)}%`);
export const decimal = (value: number | undefined, digits = 3): string => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits));
export const integer = (value: number): string => Math.round(value).toLocaleString('en-US');

/** The width the CLI's lines and tables keep to: a terminal's of 80 to 120 columns shows them unwrapped. */
export const TERMINAL_WIDTH = 100;

/**
 * `head` then `parts` joined by `separator`, broken before a part that would pass `width`; the
 * continuation lines are indented by two spaces.
 */
export function wrapParts(head: string, parts: readonly string[], separator = ', ', width = TERMINAL_WIDTH): string {
  const lines = [head];
  for (const [i, part] of parts.entries()) {
    const current = lines[lines.length - 1] as string;
    const piece = i === 0 ? part : `${separator.trimEnd()} ${part}`;
    if (current.length + 1 + piece.length > width && current.trim() !== '') {
      if (i > 0) lines[lines.length - 1] = `${current}${separator.trimEnd()}`;
      lines.push(`  ${part}`);
    } else lines[lines.length - 1] = i === 0 ? `${current}${part}` : `${current}${separator.trimEnd()} ${part}`;
  }
  return lines.join('\n');
}

/** The `error: …` and `hint: …` lines the CLI prints for a problem the user can fix. */
export function userErrorLines(error: UserError): string {
  return `error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`;
}
