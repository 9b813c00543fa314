/**
 * What a finished run produced, in the lines the panel shows under its title: which epoch model/
 * holds and why, then each test split's result.
 */
import { modelChoiceText } from '../runs/modelChoice';
import type { RunView } from './runView';

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

export function outcomeLines(view: Pick<RunView, 'model' | 'test'>): string[] {
  const model = modelChoiceText(view.model);
  const tests = Object.entries(view.test ?? {}).map(([name, result]) =>
    result.accuracy !== undefined && Number.isFinite(result.accuracy)
      ? `Test ${name} (${result.samples} samples): accuracy ${percent(result.accuracy)}, macro-F1 ${(result.macroF1 ?? Number.NaN).toFixed(3)}`
      : `Test ${name} (${result.samples} samples): MAE ${(result.mae ?? Number.NaN).toFixed(3)}`,
  );
  return [...(model ? [`Model: ${model}`] : []), ...tests];
}
