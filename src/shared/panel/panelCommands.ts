/**
 * The trainer command a panel's control message becomes. The webview is another trust domain:
 * its message has passed the panel protocol's schema, and here it is checked again as the trainer
 * will see it (weights the trainer would refuse are not sent at all, nor augmentation for a
 * dataset the run does not have).
 */
import { TrainerCommandSchema, type TrainerCommand } from '../protocol/trainerCommands';
import type { PanelToHostMessage } from './protocol';
import { partialProposalProblem, type PreviewDataset } from './weightPreview';

/** The panel messages that control the trainer (the rest are answered by the host). */
export type PanelControlMessage = Extract<
  PanelToHostMessage,
  { type: 'set-weights' | 'set-learning-rate' | 'reject-suggestion' | 'pause' | 'resume' | 'stop' }
>;

export type PanelCommand = { ok: true; command: TrainerCommand } | { ok: false; problem: string };

export function trainerCommandFor(message: PanelControlMessage, datasets: readonly PreviewDataset[]): PanelCommand {
  switch (message.type) {
    case 'set-weights': {
      const change = {
        ...(message.sampling ? { sampling: message.sampling } : {}),
        ...(message.loss ? { loss: message.loss } : {}),
        ...(message.augment && message.augment.length > 0 ? { augment: message.augment } : {}),
      };
      const problem = partialProposalProblem(datasets, change);
      const parsed = TrainerCommandSchema.safeParse({ type: 'set-weights', requestId: message.requestId, ...change });
      if (problem !== undefined || !parsed.success)
        return { ok: false, problem: `Weight change not sent: ${problem ?? parsed.error?.issues[0]?.message ?? 'invalid'}` };
      return { ok: true, command: parsed.data };
    }
    case 'set-learning-rate':
      return { ok: true, command: { type: 'set-learning-rate', requestId: message.requestId, value: message.value } };
    case 'reject-suggestion':
      return { ok: true, command: { type: 'reject-suggestion', suggestionId: message.suggestionId } };
    default:
      return { ok: true, command: { type: message.type } };
  }
}
