/** webview/components.ts: the toolkit's button and checkbox, registered as custom elements, and their events. */
import { window } from './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createButton, createCheckbox } from '../../../webview/components';

test('createButton registers the toolkit element and makes a labelled button of the asked appearance', () => {
  const primary = createButton('Apply at next epoch', () => undefined, 'primary');
  const plain = createButton('Reset', () => undefined);
  assert.ok(window.customElements.get('vscode-button'), 'vscode-button is defined');
  assert.equal(primary.element.tagName, 'VSCODE-BUTTON');
  assert.equal(primary.element.getAttribute('appearance'), 'primary');
  assert.equal(plain.element.getAttribute('appearance'), 'secondary');
  assert.equal(primary.element.textContent, 'Apply at next epoch');
});

test('a button calls its action on click, and not while disabled', () => {
  let clicks = 0;
  const button = createButton('Pause', () => clicks++);
  window.document.body.append(button.element);
  button.element.click();
  assert.equal(clicks, 1);

  button.setDisabled(true);
  assert.ok(button.element.hasAttribute('disabled'));
  button.element.click();
  assert.equal(clicks, 1, 'a disabled button does nothing');

  button.setDisabled(false);
  assert.equal(button.element.hasAttribute('disabled'), false);
  button.element.click();
  assert.equal(clicks, 2);
  button.element.remove();
});

test('createCheckbox is checked as asked and reports each change with the new state', () => {
  const changes: boolean[] = [];
  const checkbox = createCheckbox('digits · train loss', true, (checked) => changes.push(checked));
  window.document.body.append(checkbox);
  assert.equal(checkbox.tagName, 'VSCODE-CHECKBOX');
  assert.equal(checkbox.textContent, 'digits · train loss');
  assert.equal(checkbox.getAttribute('aria-checked'), 'true');

  checkbox.click();
  checkbox.click();
  assert.deepEqual(changes, [false, true]);

  const unchecked = createCheckbox('prices · validation MAE', false, () => undefined);
  window.document.body.append(unchecked);
  assert.equal(unchecked.getAttribute('aria-checked'), 'false');
  checkbox.remove();
  unchecked.remove();
});
