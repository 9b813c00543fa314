/**
 * A positioned problem in an experiment file. The CLI prints it as
 * `file:line:column field.path: message`; the extension maps it to a diagnostic with the same range.
 */
export interface ExperimentIssue {
  file: string;
  /** 1-based line and column of the start of the offending node. */
  line: number;
  column: number;
  /** 1-based, exclusive end of the offending node's range. */
  endLine: number;
  endColumn: number;
  /** Field path, e.g. ['datasets', 1, 'path']. */
  path: Array<string | number>;
  message: string;
  severity: 'error' | 'warning';
}

/** `datasets[1].path` for ['datasets', 1, 'path']. */
export function formatFieldPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

export function formatIssue(issue: ExperimentIssue): string {
  const field = formatFieldPath(issue.path);
  return `${issue.file}:${issue.line}:${issue.column} ${field ? `${field}: ` : ''}${issue.message}`;
}
