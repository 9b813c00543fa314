import { z } from 'zod';

/**
 * A positioned problem in an experiment file. The CLI prints it as
 * `file:line:column field.path: message`; the extension maps it to a diagnostic with the same range.
 */
export const ExperimentIssueSchema = z.object({
  file: z.string(),
  /** 1-based line and column of the start of the offending node. */
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  /** 1-based, exclusive end of the offending node's range. */
  endLine: z.number().int().positive(),
  endColumn: z.number().int().positive(),
  /** Field path, e.g. ['datasets', 1, 'path']. */
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  /** `info`: a note that needs no change (data read from outside the workspace). */
  severity: z.enum(['error', 'warning', 'info']),
});
export type ExperimentIssue = z.infer<typeof ExperimentIssueSchema>;

/** `datasets[1].path` for ['datasets', 1, 'path']. */
export function formatFieldPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

export function formatIssue(issue: ExperimentIssue): string {
  const field = formatFieldPath(issue.path);
  return `${issue.file}:${issue.line}:${issue.column} ${field ? `${field}: ` : ''}${issue.message}`;
}
