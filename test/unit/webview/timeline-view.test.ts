/** webview/timelineView.ts: the Events section, newest first, with older entries folded away. */
import './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunEvent } from '../../../src/shared/runs/format';
import { timeOfDay } from '../../../src/shared/panel/timeline';
import { TimelineView } from '../../../webview/timelineView';
import { at, runView } from './support/runs';

const items = (list: Element | null | undefined) => [...(list?.children ?? [])];

test('before anything happened the list says what will be listed, and the older events are hidden', () => {
  const timeline = new TimelineView();
  timeline.render(runView({ events: [] }));
  assert.equal(timeline.element.getAttribute('aria-label'), 'Events');
  assert.equal(timeline.element.querySelector('h2')?.textContent, 'Events');
  const [only, ...rest] = items(timeline.element.querySelector('ol.events'));
  assert.equal(rest.length, 0);
  assert.equal(only?.className, 'event info');
  assert.equal(only?.textContent, 'Nothing yet: weight changes, pauses and the end of the run are listed here.');
  assert.equal(timeline.element.querySelector<HTMLElement>('details.older-events')?.hidden, true);
});

test('entries newest first, each with its epoch and time, its tone as a class, and the weights it changed', () => {
  const events: RunEvent[] = [
    { kind: 'started', time: at(42), backend: 'cpu' },
    { kind: 'weights-applied', time: at(45), epoch: 3, sampling: { digits: 2 }, loss: {}, requestId: 'panel-abc' },
    { kind: 'diverged', time: at(47), epoch: 3, step: 2, dataset: 'prices', message: 'loss is NaN' },
  ];
  const timeline = new TimelineView();
  timeline.render(runView({ events }));
  const entries = items(timeline.element.querySelector('ol.events'));
  assert.deepEqual(
    entries.map((li) => li.className),
    ['event problem', 'event change', 'event info'],
  );
  assert.deepEqual(
    entries.map((li) => li.querySelector('.when')?.textContent),
    [`epoch 3 · ${timeOfDay(at(47))}`, `epoch 3 · ${timeOfDay(at(45))}`, timeOfDay(at(42))],
  );
  assert.deepEqual(
    entries.map((li) => li.querySelector('.what')?.textContent),
    ['Diverged in epoch 3 (prices): loss is NaN', 'Weights changed from epoch 3, asked from the panel.', 'Training started on the cpu backend.'],
  );
  assert.deepEqual(
    items(entries[1]?.querySelector('ul.changes')).map((li) => li.textContent),
    ['digits sampling 1 → 2'],
  );
  assert.equal(entries[0]?.querySelector('ul.changes'), null, 'an entry that changed nothing has no list of changes');
});

test('the twelve newest are listed, the rest under "N older events"', () => {
  const events: RunEvent[] = Array.from({ length: 15 }, (_, i) => ({ kind: 'paused', time: at(i), epoch: i + 1, step: 1 }));
  const timeline = new TimelineView();
  timeline.render(runView({ events }));
  const shown = items(timeline.element.querySelector('section > ol.events'));
  assert.equal(shown.length, 12);
  assert.equal(shown[0]?.querySelector('.what')?.textContent, 'Paused in epoch 15.');
  const more = timeline.element.querySelector<HTMLDetailsElement>('details.older-events');
  assert.equal(more?.hidden, false);
  assert.equal(more?.querySelector('summary')?.textContent, '3 older events');
  assert.deepEqual(
    items(more?.querySelector('ol.events')).map((li) => li.querySelector('.what')?.textContent),
    ['Paused in epoch 3.', 'Paused in epoch 2.', 'Paused in epoch 1.'],
  );
});

test('the list is rebuilt only when an entry is added or the newest changes, so focus and scroll survive deltas', () => {
  const view = runView({ events: [{ kind: 'started', time: at(42), backend: 'wasm' }] });
  const timeline = new TimelineView();
  timeline.render(view);
  const first = timeline.element.querySelector('ol.events li');
  timeline.render(view);
  assert.equal(timeline.element.querySelector('ol.events li'), first, 'same entries: the same nodes');

  view.timeline.entries.push({ kind: 'completed', time: at(50), tone: 'info', summary: 'Training completed.', changes: [] });
  timeline.render(view);
  const entries = items(timeline.element.querySelector('ol.events'));
  assert.equal(entries.length, 2);
  assert.equal(entries[0]?.querySelector('.what')?.textContent, 'Training completed.');
});
