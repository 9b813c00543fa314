/**
 * What the host says when a run it follows ends on its own: completed, failed or diverged. A run
 * the user stopped needs no notice (they asked for it), and a run that ends is announced once,
 * however many status messages repeat it.
 */
import type { RunStatus } from '../runs/format';

export interface RunEndNotice {
  severity: 'information' | 'error';
  message: string;
}

export function runEndNotice(
  status: RunStatus,
  run: { runId: string; experimentName?: string | undefined; error?: string | undefined },
): RunEndNotice | undefined {
  const name = run.experimentName ? `${run.experimentName} (${run.runId})` : run.runId;
  const because = run.error ? `: ${run.error}` : '.';
  switch (status) {
    case 'completed':
      return { severity: 'information', message: `jointrain: ${name} finished training.` };
    case 'failed':
      return { severity: 'error', message: `jointrain: ${name} failed${because}` };
    case 'diverged':
      return { severity: 'error', message: `jointrain: ${name} diverged${because}` };
    default:
      return undefined;
  }
}
