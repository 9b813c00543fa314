/**
 * Which weights a run's model/ holds, in words, for the CLI and the Runs view: "model/: epoch 7,
 * the best by val_loss_mean (0.3412); model-last/: epoch 10, the last".
 */
import type { RunRecord } from './format';

export function modelChoiceText(model: RunRecord['model']): string | undefined {
  if (model === undefined) return undefined;
  const value = model.value === undefined ? '' : ` (${Number(model.value.toPrecision(4))})`;
  const why =
    model.chosen === 'best'
      ? `the best by ${model.monitor ?? 'the checkpoint monitor'}${value}`
      : model.chosen === 'last'
        ? 'the last'
        : 'the last good checkpoint before the divergence';
  const last = model.last === undefined ? '' : `; ${model.last.path}/: epoch ${model.last.epoch}, the last`;
  return `model/: epoch ${model.epoch}, ${why}${last}`;
}
