/** The status bar text of a live run: name, epoch/step, and the worst per-dataset loss. */
import type { TrainerMessage } from '../../shared/protocol/trainerMessages';
import { backendWords, type Device } from '../../shared/runs/backendWords';
import { epochProgress } from '../../shared/runs/epochProgress';
import type { RunStatus } from '../../shared/runs/format';

export type StepMessage = Extract<TrainerMessage, { type: 'step' }>;

export interface StatusLine {
  text: string;
  tooltip: string;
}

/**
 * `epochs` (from run.json) stands in until the first live step arrives, e.g. right after a window
 * reload. `backend` (run.json's, once the trainer has chosen) names the device in the tooltip.
 */
export function statusLine(
  experimentName: string,
  status: RunStatus,
  step: StepMessage | undefined,
  epochs?: { completed: number; total: number },
  backend?: Device & { name: string },
): StatusLine {
  const deviceLines = backend !== undefined ? [`backend: ${backendWords(backend)}`] : [];
  const icon = status === 'paused' ? '$(debug-pause)' : '$(sync~spin)';
  // run.json may count the last step's epoch finished (a run paused at the boundary, before the next
  // epoch's first step): that step no longer says where the run is.
  if (step !== undefined && epochs !== undefined && epochs.completed >= step.epoch) step = undefined;
  if (step === undefined) {
    if (epochs === undefined || epochs.completed === 0)
      return { text: `${icon} ${experimentName}: starting`, tooltip: [`jointrain: ${experimentName} is starting`, ...deviceLines].join('\n') };
    const position = epochProgress({ status, ...epochs });
    return {
      text: `${icon} ${experimentName} · ${position}`,
      tooltip: [`jointrain: ${experimentName}, ${position}, ${epochs.completed} of ${epochs.total} epochs done`, ...deviceLines].join('\n'),
    };
  }
  const worst = Object.entries(step.datasets).reduce<[string, number] | undefined>(
    (current, [name, metrics]) => (current === undefined || metrics.loss > current[1] ? [name, metrics.loss] : current),
    undefined,
  );
  const position = epochProgress({ status, completed: step.epoch - 1, total: step.totalEpochs, current: step.epoch });
  const progress = `${position} · step ${step.step}/${step.stepsInEpoch}`;
  const worstText = worst ? ` · worst ${worst[0]} ${worst[1].toFixed(3)}` : '';
  return {
    text: `${icon} ${experimentName} · ${progress}${worstText}`,
    tooltip: [
      `jointrain: ${experimentName}, ${position}`,
      `step ${step.step} of ${step.stepsInEpoch}, ${Math.round(step.samplesPerSecond)} samples/s`,
      ...deviceLines,
      ...Object.entries(step.datasets).map(
        ([name, m]) => `${name}: loss ${m.loss.toFixed(3)}${m.accuracy !== undefined ? `, acc ${(m.accuracy * 100).toFixed(1)}%` : ''}`,
      ),
      'Click to open the run',
    ].join('\n'),
  };
}
