/** The panel renders run data as text only: these checks read the webview's sources. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const WEBVIEW = resolve(__dirname, '..', '..', '..', 'webview');
const sources = readdirSync(WEBVIEW)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(join(WEBVIEW, name), 'utf8') }));

test('the webview never turns strings into markup (a dataset named <img src=x onerror=alert(1)> stays text)', () => {
  assert.ok(sources.length > 0);
  for (const { name, text } of sources) {
    assert.doesNotMatch(text, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser/, name);
  }
});

test('only the component module imports the webview UI toolkit, so it can be replaced', () => {
  const importers = sources.filter(({ text }) => text.includes('@vscode/webview-ui-toolkit')).map(({ name }) => name);
  assert.deepEqual(importers, ['components.ts']);
});

test('the webview does not eval or load anything remote', () => {
  for (const { name, text } of sources) {
    assert.doesNotMatch(text, /\beval\(|new Function\(|https?:\/\//, name);
  }
});

test('the webview writes no style attributes: the CSP has no unsafe-inline, so colours come from classes in panel.css', () => {
  for (const { name, text } of sources) {
    assert.doesNotMatch(text, /setAttribute\(\s*['"]style['"]|\.style\.|cssText/, name);
  }
});
