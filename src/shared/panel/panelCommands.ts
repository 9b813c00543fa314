/**
 * The trainer command a panel's control message becomes. The webview is another trust domain:
 * its message has passed the panel protocol's schema, and here it is checked again as the trainer
 * will see it (weights the trainer would refuse are not sent at all).
 */
import { TrainerCommandSchema, type TrainerCommand } from '../protocol/trainerCommands';
import type { PanelToHostMessage } from './protocol';
import { proposalProblem, type PreviewDataset } from './weightPreview';

/** The panel messages that control the trainer (the rest are answered by the host). */
export type PanelControlMessage = Extract<
  PanelToHostMessage,
  { type: 'set-weights' | 'set-learning-rate' | 'reject-suggestion' | 'pause' | 'resume' | 'stop' }
>;

export type PanelCommand = { ok: true; command: TrainerCommand } | { ok: false; problem: string };

export function trainerCommandFor(message: PanelControlMessage, datasets: readonly PreviewDataset[]): PanelCommand {
  switch (message.type) {
    case 'set-weights': {
      const problem = proposalProblem(datasets, { sampling: message.sampling, loss: message.loss });
      const parsed = TrainerCommandSchema.safeParse({ type: 'set-weights', requestId: message.requestId, sampling: message.sampling, loss: message.loss });
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
