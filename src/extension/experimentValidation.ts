/**
 * Checks an experiment before launch with the trainer's own `validate --json` (one implementation
 * of every check, run outside the host), and shows its issues in the Problems panel.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { z } from 'zod';
import { ExperimentIssueSchema, formatFieldPath, type ExperimentIssue } from '../shared/experiment/issues';
import type { NodeRuntime } from './trainers/nodeRuntime';

/** What `validate --json` prints: the trainer's issues, in the shape src/shared defines. */
const ValidateOutputSchema = z.object({ issues: z.array(ExperimentIssueSchema.omit({ file: true })) });

export type ValidationIssue = Omit<ExperimentIssue, 'file'>;

export function runValidate(node: NodeRuntime, trainerScript: string, file: string, cwd: string): Promise<ValidationIssue[]> {
  return new Promise((resolve, reject) => {
    execFile(
      node.command,
      [trainerScript, 'validate', '--json', file],
      { cwd, env: { ...process.env, ...node.env }, maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const parsed = ValidateOutputSchema.safeParse(safeJson(stdout));
        if (parsed.success) resolve(parsed.data.issues);
        else reject(new Error(`the trainer could not validate ${file}: ${(stderr || error?.message || 'no output').trim()}`));
      },
    );
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function toDiagnostics(issues: readonly ValidationIssue[]): vscode.Diagnostic[] {
  return issues.map((issue) => {
    const range = new vscode.Range(issue.line - 1, issue.column - 1, issue.endLine - 1, Math.max(issue.endColumn - 1, issue.column));
    const field = formatFieldPath(issue.path);
    const diagnostic = new vscode.Diagnostic(
      range,
      field ? `${field}: ${issue.message}` : issue.message,
      issue.severity === 'error'
        ? vscode.DiagnosticSeverity.Error
        : issue.severity === 'warning'
          ? vscode.DiagnosticSeverity.Warning
          : vscode.DiagnosticSeverity.Information,
    );
    diagnostic.source = 'jointrain';
    return diagnostic;
  });
}
