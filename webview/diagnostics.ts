/** Balance diagnostics: sizes, class distribution, configured vs realized share, loss share, epochs seen, warnings. */
import { balanceWarnings } from '../src/shared/panel/balanceWarnings';
import type { RunView } from '../src/shared/panel/runView';
import { el, number, percent, table } from './dom';

/**
 * `openClasses` names the datasets whose class list the user has expanded: the diagnostics are
 * rebuilt whenever an epoch reports or a snapshot arrives, and a list that closed itself each time
 * could not be read.
 */
export function renderDiagnostics(view: RunView, openClasses: Set<string>): HTMLElement {
  const sizes = Object.fromEntries(view.datasets.map((d) => [d.name, d.trainSize]));
  const warnings = balanceWarnings(view.latestEpoch, sizes);
  const rows = view.datasets.map((d) => {
    const m = view.latestEpoch[d.name];
    return [d.name, String(d.trainSize), String(d.validationSize), percent(m?.configuredShare), percent(m?.realizedShare), percent(m?.lossShare), number(m?.epochsSeen, 3)];
  });
  const classes = view.datasets.map((d) => {
    const details = el('details', {}, [
      el('summary', { text: `${d.name}: ${Object.keys(d.classes).length} classes` }),
      table(['Class', 'Training samples'], Object.entries(d.classes).map(([name, count]) => [name, String(count)]), `Classes of ${d.name}`),
    ]);
    details.open = openClasses.has(d.name);
    details.addEventListener('toggle', () => (details.open ? openClasses.add(d.name) : openClasses.delete(d.name)));
    return details;
  });
  return el('section', { className: 'diagnostics', attrs: { 'aria-label': 'Balance diagnostics' } }, [
    el('h2', { text: 'Balance' }),
    el('ul', { className: 'warnings' }, warnings.map((w) => el('li', { className: `warning ${w.kind}`, text: `⚠ ${w.message}`, attrs: { role: 'alert' } }))),
    table(['Dataset', 'Train size', 'Validation size', 'Configured share', 'Realized share', 'Loss share', 'Epochs seen'], rows, `Epoch ${view.epochs.completed}`),
    ...classes,
  ]);
}
