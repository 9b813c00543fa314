/** Balance diagnostics: sizes, class distribution, configured vs realized share, loss share, epochs seen, warnings. */
import type { RunView } from '../src/shared/panel/runView';
import { adviceAndSuggestions, type SuggestionCard } from '../src/shared/panel/suggestions';
import { classReport, testClassReport, type ClassReport } from '../src/shared/panel/classReport';
import { el, number, percent, scrollBox, table } from './dom';

/** Larger confusion matrices are in the run folder (metrics.jsonl) and `jointrain evaluate --json`. */
const MAX_CONFUSION_CLASSES = 12;

/**
 * `openClasses` names the datasets whose class list the user has expanded: the diagnostics are
 * rebuilt whenever an epoch reports or a snapshot arrives, and a list that closed itself each time
 * could not be read. `rejectionsSent`: suggestions this panel has rejected, which the advice no
 * longer points to.
 */
export function renderDiagnostics(view: RunView, openClasses: Set<string>, rejectionsSent: readonly string[] = []): HTMLElement {
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
    const report = classReport(d, view.latestEpoch[d.name]);
    const test = view.test?.[d.name];
    const tested = testClassReport(d, test);
    const measured = report.macroF1 !== undefined;
    const details = el('details', {}, [
      el('summary', { text: classSummary(d.name, Object.keys(d.classes).length, report, tested) }),
      ...(d.source !== undefined ? [el('p', { className: 'source', text: `Read from ${d.source}` })] : []),
      measured
        ? classTable(report, 'Validation', `Classes of ${d.name}, validation of epoch ${view.epochs.completed}`)
        : table(
            ['Class', 'Training samples'],
            report.rows.map((row) => [row.name, String(row.trainSamples)]),
            `Classes of ${d.name}`,
          ),
      ...confusionPart(report, `Confusion matrix of ${d.name} (rows: true class, columns: predicted)`),
      ...(tested !== undefined && test !== undefined
        ? [
            el('p', {
              className: 'test-heading',
              text: `Test split: ${test.samples} samples from ${test.source}, evaluated once training ended${view.model ? ` with model/ (epoch ${view.model.epoch})` : ''}`,
            }),
            classTable(tested, 'Test', `Classes of ${d.name} on its test split`),
            ...confusionPart(tested, `Confusion matrix of ${d.name} on its test split (rows: true class, columns: predicted)`),
          ]
        : []),
    ]);
    details.open = openClasses.has(d.name);
    details.addEventListener('toggle', () => (details.open ? openClasses.add(d.name) : openClasses.delete(d.name)));
    return details;
  });
  return el('section', { className: 'diagnostics', attrs: { 'aria-label': 'Balance diagnostics' } }, [
    el('h2', { text: 'Balance' }),
    ...renderAdvice(adviceAndSuggestions(view, rejectionsSent)),
    // Paired columns keep the table within a side column of ~400 px; wider still, it scrolls in its box.
    table(['Dataset', 'Samples (train / validation)', 'Share (configured / realized)', 'Loss share', 'Epochs seen'], rows, `Epoch ${view.epochs.completed}`),
    ...classes,
  ]);
}

/** "Recommended: the suggestion above, …": the action, when an open suggestion does what the warning advises. */
function pointTo(card: SuggestionCard): string {
  return card.status === 'accepting'
    ? `Recommended: the suggestion above (${card.title}), which you accepted: check this warning again a few epochs after it applies.`
    : `Recommended: the open suggestion above (${card.title}): ${card.rows.map((row) => row.text).join('; ')}. Accept, Edit or Reject it there.`;
}

/**
 * `digits: 10 classes · macro-F1 0.87 · weakest: 7, recall 61.5% · test macro-F1 0.85`: what
 * fails, without opening the list.
 */
function classSummary(name: string, count: number, report: ClassReport, tested: ClassReport | undefined): string {
  const head = `${name}: ${count} classes`;
  const test = tested?.macroF1 !== undefined ? ` · test macro-F1 ${number(tested.macroF1, 2)}` : '';
  if (report.macroF1 === undefined) return `${head}${test}`;
  const weakest = report.weakest ? ` · weakest: ${report.weakest.name}, recall ${percent(report.weakest.recall)}` : '';
  return `${head} · macro-F1 ${number(report.macroF1, 2)}${weakest}${test}`;
}

/** Per class: training samples, then held-out samples (`split`), recall and precision. */
function classTable(report: ClassReport, split: string, caption: string): HTMLElement {
  return table(
    ['Class', 'Training samples', split, 'Recall', 'Precision'],
    report.rows.map((row) => [row.name, String(row.trainSamples), String(row.support), percent(row.recall), percent(row.precision)]),
    caption,
  );
}

function confusionPart(report: ClassReport, caption: string): HTMLElement[] {
  return report.confusion !== undefined && report.confusion.classes.length <= MAX_CONFUSION_CLASSES ? [confusionTable(caption, report.confusion)] : [];
}

/** Rows are the true classes, columns the predicted ones; the diagonal (the right answers) is marked. */
function confusionTable(caption: string, confusion: NonNullable<ClassReport['confusion']>): HTMLElement {
  return scrollBox(
    el('table', { className: 'confusion' }, [
      el('caption', { text: caption }),
      el('thead', {}, [
        el('tr', {}, [
          el('th', { text: 'True \\ predicted', attrs: { scope: 'col' } }),
          ...confusion.classes.map((c) => el('th', { text: c, attrs: { scope: 'col' } })),
        ]),
      ]),
      el(
        'tbody',
        {},
        confusion.counts.map((row, r) =>
          el('tr', {}, [
            el('th', { text: confusion.classes[r] ?? '', attrs: { scope: 'row' } }),
            ...row.map((count, c) => el('td', { text: String(count), ...(c === r ? { className: 'diagonal' } : count > 0 ? { className: 'miss' } : {}) })),
          ]),
        ),
      ),
    ]),
  );
}

/**
 * The recommended action first, with why; the other warnings under it, in the order to act on them.
 * Where an open suggestion does what the recommended warning advises, the action points to it (and
 * the warning says only what it found), rather than give advice that may differ from it in detail;
 * an open suggestion that goes against the advice is named under it.
 */
function renderAdvice({ advice, answeredBy, against }: ReturnType<typeof adviceAndSuggestions>): HTMLElement[] {
  const recommended = advice.recommended;
  if (!recommended) return [];
  const others = advice.ranked.filter((w) => w !== recommended.warning);
  return [
    el('div', { className: 'advice', attrs: { role: 'alert' } }, [
      el('p', { className: 'action', text: answeredBy ? pointTo(answeredBy) : `Recommended: ${recommended.action}` }),
      el('p', { className: 'warning-text', text: `⚠ ${answeredBy ? recommended.warning.finding : recommended.warning.message}` }),
      el('p', { className: 'why', text: `Why this first: ${recommended.why}` }),
      ...against.map(({ card, what }) => el('p', { className: 'against', text: `The open suggestion above (${card.title}) goes the other way: it ${what}.` })),
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
