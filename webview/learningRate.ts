/**
 * The learning rate in force and a field to change it: the trainer applies a new rate when the
 * next epoch starts (and it ends a time-based schedule), as it does weights. Only while the run is
 * live; a value that is no positive number up to 10 is explained and not sent.
 */
import type { RunView } from '../src/shared/panel/runView';
import { isLiveStatus } from '../src/shared/runs/format';
import { createButton } from './components';
import { el, number, setText } from './dom';

export class LearningRateControl {
  readonly element: HTMLElement;
  private readonly input = el('input', { className: 'rate-number', attrs: { type: 'number', min: '0', step: 'any', 'aria-label': 'New learning rate' } });
  private readonly current = el('p', { className: 'current-rate' });
  private readonly problem = el('p', { className: 'problem', attrs: { 'aria-live': 'polite' } });
  private readonly sent = el('p', { className: 'hint' });
  private readonly apply = createButton('Set at next epoch', () => this.submit());
  private live = false;

  constructor(private readonly send: (value: number) => void) {
    this.input.addEventListener('input', () => this.update());
    this.element = el('section', { className: 'learning-rate', attrs: { 'aria-label': 'Learning rate' } }, [
      el('h3', { text: 'Learning rate' }),
      this.current,
      el('div', { className: 'rate-row' }, [this.input, this.apply.element]),
      this.problem,
      this.sent,
    ]);
  }

  render(view: RunView): void {
    this.live = isLiveStatus(view.status);
    const rates = view.learningRates;
    const latest = rates.length > 0 ? rates[rates.length - 1] : undefined;
    setText(this.current, latest === undefined ? 'In force: – (no epoch has finished yet)' : `In force: ${number(latest, 3)} (epoch ${rates.length})`);
    this.update();
  }

  private problemWith(text: string): string | undefined {
    if (text.trim() === '') return undefined;
    const value = Number(text);
    return Number.isFinite(value) && value > 0 && value <= 10 ? undefined : `The learning rate must be a number above 0 and at most 10, not ${text}.`;
  }

  private update(): void {
    const problem = this.problemWith(this.input.value);
    setText(this.problem, problem ?? '');
    this.input.disabled = !this.live;
    this.apply.setDisabled(!this.live || problem !== undefined || this.input.value.trim() === '');
  }

  private submit(): void {
    if (!this.live || this.problemWith(this.input.value) !== undefined || this.input.value.trim() === '') return;
    const value = Number(this.input.value);
    this.send(value);
    setText(this.sent, `Asked for ${number(value, 3)}: the trainer applies it when the next epoch starts.`);
    this.input.value = '';
    this.update();
  }
}
