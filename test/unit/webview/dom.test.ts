/** webview/dom.ts: elements built with text only, tables with their headers' scopes, and the panel's number formats. */
import './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { el, number, percent, scrollBox, setText, table } from '../../../webview/dom';

test('el sets the class, the attributes and the children, and puts text in as text, never as markup', () => {
  const child = el('span', { text: 'child' });
  const node = el('p', { className: 'notice warning', text: '<img src=x onerror=alert(1)>', attrs: { role: 'status', 'aria-live': 'polite' } });
  assert.equal(node.tagName, 'P');
  assert.equal(node.className, 'notice warning');
  assert.equal(node.getAttribute('role'), 'status');
  assert.equal(node.getAttribute('aria-live'), 'polite');
  assert.equal(node.textContent, '<img src=x onerror=alert(1)>');
  assert.equal(node.querySelector('img'), null);

  const parent = el('div', {}, [child, el('b', { text: '!' })]);
  assert.equal(parent.getAttribute('class'), null, 'no class attribute without a className');
  assert.deepEqual(
    [...parent.children].map((c) => c.tagName),
    ['SPAN', 'B'],
  );
  assert.equal(parent.textContent, 'child!');
});

test('el with empty text sets it (clearing nothing else), and without text leaves the element empty', () => {
  assert.equal(el('td', { text: '' }).childNodes.length, 0);
  assert.equal(el('td', { text: '0' }).textContent, '0');
  assert.equal(el('td').textContent, '');
});

test('table: a caption, column headers with scope=col, and each row headed by its first cell (scope=row)', () => {
  const box = table(
    ['Dataset', 'Loss'],
    [
      ['digits', '0.5'],
      ['prices', '1.2'],
    ],
    'Per-epoch metrics',
  );
  const tableNode = box.querySelector('table');
  assert.ok(tableNode);
  assert.equal(tableNode.querySelector('caption')?.textContent, 'Per-epoch metrics');
  const headers = [...tableNode.querySelectorAll('thead th')];
  assert.deepEqual(
    headers.map((h) => [h.textContent, h.getAttribute('scope')]),
    [
      ['Dataset', 'col'],
      ['Loss', 'col'],
    ],
  );
  const rows = [...tableNode.querySelectorAll('tbody tr')];
  assert.equal(rows.length, 2);
  assert.deepEqual(
    rows.map((row) => [...row.children].map((cell) => `${cell.tagName}:${cell.getAttribute('scope') ?? ''}:${cell.textContent}`)),
    [
      ['TH:row:digits', 'TD::0.5'],
      ['TH:row:prices', 'TD::1.2'],
    ],
  );
});

test('scrollBox: a focusable region named after the table caption, or "Table" without one', () => {
  const box = table(['A'], [['1']], 'Classes of digits');
  assert.equal(box.className, 'table-scroll');
  assert.equal(box.getAttribute('tabindex'), '0');
  assert.equal(box.getAttribute('role'), 'region');
  assert.equal(box.getAttribute('aria-label'), 'Classes of digits');
  assert.equal(box.firstElementChild?.tagName, 'TABLE');

  const bare = scrollBox(el('table'));
  assert.equal(bare.getAttribute('aria-label'), 'Table');
});

test('setText replaces different text and leaves the same text (and its node) alone', () => {
  const node = el('span', { text: 'epoch 1 of 4' });
  const before = node.firstChild;
  setText(node, 'epoch 1 of 4');
  assert.equal(node.firstChild, before, 'the same text is not rewritten');
  setText(node, 'epoch 2 of 4');
  assert.equal(node.textContent, 'epoch 2 of 4');
  assert.notEqual(node.firstChild, before);
});

test('percent: one decimal, and a dash for missing or non-finite values', () => {
  assert.equal(percent(0.75), '75.0%');
  assert.equal(percent(0.12345), '12.3%');
  assert.equal(percent(1), '100.0%');
  assert.equal(percent(0), '0.0%');
  assert.equal(percent(undefined), '–');
  assert.equal(percent(Number.NaN), '–');
  assert.equal(percent(Number.POSITIVE_INFINITY), '–');
});

test('number: 4 significant digits unless told, and a dash for missing or non-finite values', () => {
  assert.equal(number(1.23456), '1.235');
  assert.equal(number(0.000123456), '0.0001235');
  assert.equal(number(1234567), '1.235e+6');
  assert.equal(number(2, 3), '2.00');
  assert.equal(number(0.3333333, 3), '0.333');
  assert.equal(number(null), '–');
  assert.equal(number(undefined), '–');
  assert.equal(number(Number.NaN), '–');
  assert.equal(number(Number.NEGATIVE_INFINITY), '–');
});
