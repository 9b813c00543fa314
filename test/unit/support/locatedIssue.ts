import { formatFieldPath, type ExperimentIssue } from '../../../src/shared/experiment/issues';

/** `line:col-endLine:endCol severity field: message`, so one string pins both place and words. */
export function locatedIssue(issue: ExperimentIssue): string {
  return `${issue.line}:${issue.column}-${issue.endLine}:${issue.endColumn} ${issue.severity} ${formatFieldPath(issue.path)}: ${issue.message}`;
}
