/** webview/learningRate.ts: the learning rate in force, and a new one asked for from the next epoch. */
import './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LearningRateControl } from '../../../webview/learningRate';
import { epochRecord, runRecord, runView } from './support/runs';

function control() {
  const sent: number[] = [];
  const rate = new LearningRateControl((value) => sent.push(value));
  document.body.append(rate.element);
  const input = rate.element.querySelector<HTMLInputElement>('input[aria-label="New learning rate"]');
  const button = rate.element.querySelector<HTMLElement>('vscode-button');
  assert.ok(input && button);
  const type = (value: string) => {
    input.value = value;
    input.dispatchEvent(new window.Event('input'));
  };
  return { rate, sent, input, button, type, text: (selector: string) => rate.element.querySelector(selector)?.textContent ?? '' };
}

test('it shows the rate the last finished epoch trained with, and sends a valid new one once, then says when it applies', () => {
  const { rate, sent, button, type, text, input } = control();
  rate.render(runView({ epochs: 0, metrics: [epochRecord(1, {}, { learningRate: 0.001 }), epochRecord(2, {}, { learningRate: 0.0005 })] }));
  assert.equal(text('p.current-rate'), 'In force: 0.000500 (epoch 2)');
  assert.ok(button.hasAttribute('disabled'), 'nothing typed yet');
  type('0.0002');
  assert.equal(button.hasAttribute('disabled'), false);
  button.click();
  assert.deepEqual(sent, [0.0002]);
  assert.equal(text('p.hint'), 'Asked for 0.000200: the trainer applies it when the next epoch starts.');
  assert.equal(input.value, '', 'the field is cleared');
  button.click();
  assert.deepEqual(sent, [0.0002], 'a second click sends nothing');
  rate.element.remove();
});

test('a rate that is no number above 0 and up to 10 is explained and cannot be sent; a finished run takes none', () => {
  const { rate, sent, button, type, text, input } = control();
  rate.render(runView({ epochs: 1 }));
  for (const bad of ['0', '-1', '11']) {
    type(bad);
    assert.equal(text('p.problem'), `The learning rate must be a number above 0 and at most 10, not ${bad}.`);
    assert.ok(button.hasAttribute('disabled'), bad);
  }
  button.click();
  assert.deepEqual(sent, []);
  rate.render(runView({ epochs: 1, record: runRecord({ status: 'completed', epochs: { total: 4, completed: 1 } }) }));
  assert.ok(input.disabled);
  assert.ok(button.hasAttribute('disabled'));
  rate.element.remove();
});
