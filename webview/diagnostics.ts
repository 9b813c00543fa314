/** Balance diagnostics: sizes, class distribution, configured vs realized share, loss share, epochs seen, warnings. */
import { balanceAdvice, balanceWarnings, type BalanceAdvice } from '../src/shared/panel/balanceWarnings';
import type { RunView } from '../src/shared/panel/runView';
import { el, number, percent, table } from './dom';

/**
 * `openClasses` names the datasets whose class list the user has expanded: the diagnostics are
 * rebuilt whenever an epoch reports or a snapshot arrives, and a list that closed itself each time
 * could not be read.
 */
export function renderDiagnostics(view: RunView, openClasses: Set<string>): HTMLElement {
  const sizes = Object.fromEntries(view.datasets.map((d) => [d.name, d.trainSize]));
  const advice = balanceAdvice(balanceWarnings(view.latestEpoch, sizes), view.latestEpoch);
  const rows = view.datasets.map((d) => {
    const m = view.latestEpoch[d.name];
    return [
      d.name,
      `${d.trainSize} / ${d.validationSize}`,
      `${percent(m?.configuredShare)} / ${percent(m?.realizedShare)}`,
      percent(m?.lossShare),
      number(m?.epochsSeen, 3),
    ];
  });
  const classes = view.datasets.map((d) => {
    const details = el('details', {}, [
      el('summary', { text: `${d.name}: ${Object.keys(d.classes).length} classes` }),
      ...(d.source !== undefined ? [el('p', { className: 'source', text: `Read from ${d.source}` })] : []),
      table(
        ['Class', 'Training samples'],
        Object.entries(d.classes).map(([name, count]) => [name, String(count)]),
        `Classes of ${d.name}`,
      ),
    ]);
    details.open = openClasses.has(d.name);
    details.addEventListener('toggle', () => (details.open ? openClasses.add(d.name) : openClasses.delete(d.name)));
    return details;
  });
  return el('section', { className: 'diagnostics', attrs: { 'aria-label': 'Balance diagnostics' } }, [
    el('h2', { text: 'Balance' }),
    ...renderAdvice(advice),
    // Paired columns keep the table within a side column of ~400 px; wider still, it scrolls in its box.
    table(['Dataset', 'Samples (train / validation)', 'Share (configured / realized)', 'Loss share', 'Epochs seen'], rows, `Epoch ${view.epochs.completed}`),
    ...classes,
  ]);
}

/** The recommended action first, with why; the other warnings under it, in the order to act on them. */
function renderAdvice(advice: BalanceAdvice): HTMLElement[] {
  const recommended = advice.recommended;
  if (!recommended) return [];
  const others = advice.ranked.filter((w) => w !== recommended.warning);
  return [
    el('div', { className: 'advice', attrs: { role: 'alert' } }, [
      el('p', { className: 'action', text: `Recommended: ${recommended.action}` }),
      el('p', { className: 'warning-text', text: `⚠ ${recommended.warning.message}` }),
      el('p', { className: 'why', text: `Why this first: ${recommended.why}` }),
    ]),
    ...(others.length > 0
      ? [
          el('p', {
            className: 'hint',
            text:
              others.length === 1 ? 'Also noticed (act on it after the above, if it remains):' : 'Also noticed (act on these after the above, if they remain):',
          }),
          el(
            'ul',
            { className: 'warnings' },
            others.map((w) => el('li', { className: `warning ${w.kind}`, text: `⚠ ${w.message}` })),
          ),
        ]
      : []),
  ];
}
