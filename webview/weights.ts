/**
 * Weight controls: a slider and a number per dataset for its sampling and loss weight, a preview of
 * the shares they would give, and "Apply at next epoch". The trainer decides when a change applies;
 * this only shows the request as pending until the trainer's event settles it. A balancer's
 * suggestion can be put in the fields to edit (Edit on the suggestion): the weights sent then
 * answer that suggestion, for as long as it is open.
 */
import { previewShares, type PreviewDataset, type WeightProposal } from '../src/shared/panel/weightPreview';
import type { RunView, Suggestion } from '../src/shared/panel/runView';
import { isOpenSuggestion } from '../src/shared/panel/suggestions';
import { requestSource, sourceText } from '../src/shared/panel/timeline';
import { createButton, type Button } from './components';
import { el, percent, setText, table } from './dom';

type Kind = 'sampling' | 'loss';

export class WeightControls {
  readonly element = el('section', { className: 'weights', attrs: { 'aria-label': 'Dataset weights' } });
  private draft: WeightProposal = { sampling: {}, loss: {} };
  private edited = false;
  private view: RunView | undefined;
  private readonly preview = el('div', { className: 'preview' });
  private readonly problem = el('p', { className: 'problem', attrs: { role: 'alert' } });
  private readonly pending = el('p', { className: 'pending', attrs: { 'aria-live': 'polite' } });
  private readonly sourceNote = el('p', { className: 'source', attrs: { 'aria-live': 'polite' } });
  /** What changes the weights' effect without the user: the `sampling` balancer's multipliers, augmentation switched on. */
  private readonly autoNote = el('p', { className: 'source auto' });
  /** The suggestion the draft was edited from, while it is open. */
  private source: Suggestion | undefined;
  private readonly inputs = el('div', { className: 'weight-rows' });
  private readonly apply: Button;
  private readonly reset: Button;
  private layoutFor = '';
  private previewOf = '';

  constructor(private readonly send: (proposal: WeightProposal, sourceSuggestionId: string | undefined) => void) {
    this.apply = createButton('Apply at next epoch', () => this.submit(), 'primary');
    this.reset = createButton('Reset', () => this.resetDraft());
    this.element.append(
      el('h2', { text: 'Weights' }),
      this.sourceNote,
      this.inputs,
      this.autoNote,
      this.preview,
      this.problem,
      el('div', { className: 'buttons' }, [this.apply.element, this.reset.element]),
      this.pending,
    );
  }

  render(view: RunView, rejectionsSent: readonly string[] = []): void {
    this.view = view;
    if (this.source !== undefined && !isOpenSuggestion(view, this.source.suggestionId, rejectionsSent)) this.source = undefined;
    setText(this.sourceNote, this.source ? editingText(this.source) : '');
    setText(this.autoNote, autoText(view));
    // Inputs are rebuilt only when the run's weights change and the user is not editing them.
    const layout = `${view.runId}|${view.datasets.map((d) => d.name).join(',')}|${JSON.stringify(view.weights)}`;
    if (!this.edited && layout !== this.layoutFor) {
      this.layoutFor = layout;
      this.draft = { sampling: { ...view.weights.sampling }, loss: { ...view.weights.loss } };
      this.inputs.replaceChildren(...view.datasets.map((d) => this.row(d.name)));
    }
    setText(this.pending, pendingText(view));
    this.update();
  }

  /** Puts a suggestion's weights in the fields to edit, and moves the focus there (its augmentation is not edited: it goes with them). */
  editFrom(suggestion: Suggestion, proposal: WeightProposal): void {
    const view = this.view;
    if (!view) return;
    this.source = suggestion;
    this.edited = true;
    this.draft = { sampling: { ...proposal.sampling }, loss: { ...proposal.loss } };
    this.inputs.replaceChildren(...view.datasets.map((d) => this.row(d.name)));
    this.render(view);
    // The first weight the suggestion changes: sampling weights for the `sampling` balancer, loss weights for the others.
    const kind: Kind = suggestion.sampling !== undefined ? 'sampling' : 'loss';
    this.inputs.querySelector<HTMLInputElement>(`.weight-field.${kind} input.weight-number`)?.focus();
  }

  private row(name: string): HTMLElement {
    return el('div', { className: 'weight-row' }, [
      el('span', { className: 'dataset-name', text: name }),
      this.field(name, 'sampling'),
      this.field(name, 'loss'),
    ]);
  }

  private field(name: string, kind: Kind): HTMLElement {
    const value = this.draft[kind][name] ?? 1;
    const label = `${name} ${kind} weight`;
    const slider = el('input', { attrs: { type: 'range', min: '0', max: String(Math.max(4, value * 2)), step: '0.05', 'aria-label': label } });
    const input = el('input', { className: 'weight-number', attrs: { type: 'number', min: '0', step: 'any', 'aria-label': label } });
    slider.value = String(value);
    input.value = String(value);
    const set = (text: string, from: HTMLInputElement) => {
      this.edited = true;
      this.draft[kind][name] = text.trim() === '' ? Number.NaN : Number(text);
      if (from === slider) input.value = text;
      // An emptied field is no value (Number('') is 0): the slider stays where it was.
      else if (text.trim() !== '' && Number.isFinite(Number(text))) slider.value = text;
      this.update();
    };
    slider.addEventListener('input', () => set(slider.value, slider));
    input.addEventListener('input', () => set(input.value, input));
    return el('label', { className: `weight-field ${kind}` }, [el('span', { text: kind === 'sampling' ? 'sampling' : 'loss' }), slider, input]);
  }

  private datasets(view: RunView): PreviewDataset[] {
    return view.datasets.map((d) => {
      const loss = view.latestEpoch[d.name]?.trainLoss;
      return { name: d.name, trainSize: d.trainSize, ...(typeof loss === 'number' && Number.isFinite(loss) ? { meanLoss: loss } : {}) };
    });
  }

  private update(): void {
    const view = this.view;
    if (!view) return;
    const live = view.status === 'running' || view.status === 'paused';
    const result = view.mixing
      ? previewShares(view.mixing, this.datasets(view), this.draft, view.samplingBalance?.multipliers)
      : { ok: false as const, problem: 'the experiment snapshot could not be read, so shares cannot be previewed' };
    const rows = view.datasets.map((d) => {
      const now = view.latestEpoch[d.name];
      const next = result.ok ? result.shares.find((s) => s.name === d.name) : undefined;
      return [d.name, percent(now?.configuredShare), percent(next?.sampleShare), percent(now?.lossShare), percent(next?.lossShare)];
    });
    // Rebuilt only when a number in it changes: this runs on every delta, and most leave it as it was.
    const preview = JSON.stringify(rows);
    if (preview !== this.previewOf) {
      this.previewOf = preview;
      this.preview.replaceChildren(
        table(
          ['Dataset', 'Sample share, last epoch', 'Sample share, next', 'Loss share, last epoch', 'Loss share, next'],
          rows,
          'Preview of the next epoch with these weights',
        ),
      );
    }
    const problem = !live ? `The run is ${view.status}: weights can change only while it runs.` : result.ok ? '' : `Cannot apply: ${result.problem}.`;
    setText(this.problem, problem);
    this.apply.setDisabled(problem !== '' || !this.edited);
    this.reset.setDisabled(!this.edited);
  }

  private submit(): void {
    const view = this.view;
    if (!view || !view.mixing) return;
    const result = previewShares(view.mixing, this.datasets(view), this.draft, view.samplingBalance?.multipliers);
    if (!result.ok) return;
    const suggestionId = this.source?.suggestionId;
    // Settled before sending: the panel redraws while the message goes, and a draft still marked
    // edited would leave Apply enabled, so a second click would send the same weights again.
    this.edited = false;
    this.source = undefined;
    this.sourceNote.textContent = '';
    this.send({ sampling: { ...this.draft.sampling }, loss: { ...this.draft.loss } }, suggestionId);
    this.update();
  }

  private resetDraft(): void {
    this.edited = false;
    this.source = undefined;
    this.layoutFor = '';
    if (this.view) this.render(this.view);
  }
}

/** What the note over the fields says while the draft answers a suggestion; augmentation goes with it, unedited. */
function editingText(source: Suggestion): string {
  const augment = source.augment ?? [];
  const sent =
    augment.length > 0 ? ` Its augmentation for ${augment.join(', ')} is sent with them (it cannot be edited; Reject the suggestion to decline it).` : '';
  return `Editing the ${source.balancer} suggestion of epoch ${source.epoch}: sending these weights accepts it with your changes.${sent}`;
}

/**
 * The `sampling` balancer's multipliers in force (the preview draws with them, as the trainer does)
 * and the datasets whose augmentation was switched on; empty when neither.
 */
function autoText(view: RunView): string {
  const parts: string[] = [];
  const balance = view.samplingBalance;
  if (balance !== undefined) {
    const names = view.datasets.map((d) => d.name);
    const multipliers = names.map((name) => `${name} ×${String(Number((balance.multipliers[name] ?? 1).toPrecision(3)))}`).join(', ');
    const shares = names.map((name) => `${name} ${percent(balance.shares[name])}`).join(', ');
    parts.push(
      `From epoch ${balance.epoch + 1} the sampling balancer multiplies the sampling weights: ${multipliers} (shares of each batch: ${shares}). The preview includes its multipliers.`,
    );
  }
  const augmented = Object.entries(view.augmentation ?? {});
  if (augmented.length > 0)
    parts.push(`Augmentation (auto preset) on: ${augmented.map(([name, { fromEpoch }]) => `${name} from epoch ${fromEpoch}`).join(', ')}.`);
  return parts.join(' ');
}

/** What became of the weights sent: pending requests in words (not their ids), or the last change made. */
function pendingText(view: RunView): string {
  const live = view.status === 'running' || view.status === 'paused';
  if (view.pending.length > 0)
    return view.pending
      .map((p) =>
        live
          ? `Pending until epoch ${p.untilEpoch}: the trainer applies the change asked ${sourceText(requestSource(p.requestId, view.timeline.suggestions))} when that epoch starts.`
          : // A request made during the last epoch of a run that then ended (its budget, early stopping, a stop) was never applied.
            `Not applied: the change asked ${sourceText(requestSource(p.requestId, view.timeline.suggestions))} was for epoch ${p.untilEpoch}, and the run ${view.status === 'completed' ? 'completed' : `ended (${view.status})`} before that epoch started.`,
      )
      .join(' ');
  const last = view.markers[view.markers.length - 1];
  return last ? `Last change applied at epoch ${last.epoch} (${last.label}).` : '';
}
