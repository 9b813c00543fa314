/**
 * The Events section: the run's timeline (`src/shared/panel/timeline.ts`), newest first, as a list
 * a screen reader reads entry by entry. Rebuilt only when an entry is added or merged.
 */
import { newestFirst, timeOfDay } from '../src/shared/panel/timeline';
import type { RunView } from '../src/shared/panel/runView';
import { el } from './dom';

/** Enough to see the recent past at a glance; the rest opens on demand. */
const SHOWN_AT_FIRST = 12;

export class TimelineView {
  readonly element = el('section', { className: 'timeline', attrs: { 'aria-label': 'Events' } });
  private readonly list = el('ol', { className: 'events' });
  private readonly more = el('details', { className: 'older-events' });
  private readonly olderList = el('ol', { className: 'events' });
  private builtFrom = '';

  constructor() {
    this.more.append(el('summary'), this.olderList);
    this.element.append(el('h2', { text: 'Events' }), this.list, this.more);
  }

  render(view: RunView): void {
    const entries = newestFirst(view.timeline);
    const key = `${view.runId}|${entries.length}|${entries[0]?.summary ?? ''}`;
    if (key === this.builtFrom) return;
    this.builtFrom = key;
    const items = entries.map((entry) =>
      el('li', { className: `event ${entry.tone}` }, [
        el('span', { className: 'when', text: `${entry.epoch !== undefined ? `epoch ${entry.epoch} · ` : ''}${timeOfDay(entry.time)}` }),
        el('span', { className: 'what', text: entry.summary }),
        ...(entry.changes.length > 0
          ? [
              el(
                'ul',
                { className: 'changes' },
                entry.changes.map((change) => el('li', { text: change })),
              ),
            ]
          : []),
      ]),
    );
    this.list.replaceChildren(
      ...(items.length > 0
        ? items.slice(0, SHOWN_AT_FIRST)
        : [el('li', { className: 'event info', text: 'Nothing yet: weight changes, pauses and the end of the run are listed here.' })]),
    );
    this.olderList.replaceChildren(...items.slice(SHOWN_AT_FIRST));
    this.more.hidden = items.length <= SHOWN_AT_FIRST;
    (this.more.firstChild as HTMLElement).textContent = `${items.length - SHOWN_AT_FIRST} older events`;
  }
}
