import { formatIssue, type ExperimentIssue } from '../shared/experiment/issues';

/** A problem the user can fix; the CLI prints its message (and hint) without a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The experiment file is invalid; carries every positioned issue found. */
export class ExperimentError extends UserError {
  constructor(readonly issues: ExperimentIssue[]) {
    super(
      issues
        .filter((issue) => issue.severity === 'error')
        .map(formatIssue)
        .join('\n'),
    );
    this.name = 'ExperimentError';
  }
}
