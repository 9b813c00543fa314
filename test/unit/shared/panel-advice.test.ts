import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balanceAdvice, balanceWarnings } from '../../../src/shared/panel/balanceWarnings';
import { comparedLabel } from '../../../src/shared/panel/comparison';
import { sharedXRange } from '../../../src/shared/panel/renderDensity';
import { runEndNotice } from '../../../src/shared/panel/runEndNotice';
import { epochMetrics } from '../support/epochMetrics';

const metrics = epochMetrics;

test('with a dominant loss and a memorised dataset, lowering the memorised one’s sampling weight comes first, with why', () => {
  const latest = { mnist: metrics({ lossShare: 0.94, epochsSeen: 1.3 }), 'mnist-rot': metrics({ lossShare: 0.06, epochsSeen: 40 }) };
  const warnings = balanceWarnings(latest, { mnist: 60000, 'mnist-rot': 1200 });
  assert.match(warnings.find((w) => w.kind === 'dominates-loss')?.message ?? '', /^mnist takes 94% of the weighted loss.*raise theirs\.$/);
  assert.match(warnings.find((w) => w.kind === 'likely-memorised')?.message ?? '', /^mnist-rot .*likely memorised\. Lower its sampling weight/);
  const advice = balanceAdvice(warnings, latest);
  assert.equal(advice.recommended?.warning.dataset, 'mnist-rot');
  assert.equal(advice.recommended?.action, 'Lower mnist-rot’s sampling weight (or add data to it) first.');
  assert.match(advice.recommended?.why ?? '', /raises mnist’s share of the loss: raising mnist-rot’s loss weight would make it memorise harder/);
  assert.deepEqual(
    advice.ranked.map((w) => w.kind),
    ['likely-memorised', 'dominates-loss'],
  );
});

test('each warning’s finding is its message without the advice, for where a suggestion gives the advice instead', () => {
  const latest = { mnist: metrics({ lossShare: 0.94, epochsSeen: 1.3 }), 'mnist-rot': metrics({ lossShare: 0.06, epochsSeen: 40 }) };
  const warnings = balanceWarnings(latest, { 'mnist-rot': 1200 });
  assert.deepEqual(
    warnings.map((w) => [w.kind, w.finding, w.message.slice(w.finding.length)]),
    [
      ['dominates-loss', 'mnist takes 94% of the weighted loss: the other datasets barely steer training.', ' Lower its loss weight or raise theirs.'],
      [
        'likely-memorised',
        'mnist-rot (1200 training samples) has been seen 40.0 times, 30.8× as often as the least-seen dataset: it is likely memorised.',
        ' Lower its sampling weight or add data.',
      ],
    ],
  );
});

test('a dominant loss alone recommends lowering that dataset’s loss weight', () => {
  const latest = { a: metrics({ lossShare: 0.8 }), b: metrics({ lossShare: 0.2 }) };
  const advice = balanceAdvice(balanceWarnings(latest), latest);
  assert.equal(advice.recommended?.action, 'Lower a’s loss weight.');
  assert.match(advice.recommended?.why ?? '', /80% of the weighted loss/);
});

test('no warnings, no recommendation', () => {
  const latest = { a: metrics({}), b: metrics({}) };
  assert.deepEqual(balanceAdvice(balanceWarnings(latest), latest), { ranked: [] });
});

test('a compared run is named by the parts of its id that differ from this run’s', () => {
  assert.equal(comparedLabel('20261205-141502-mnist-joint-a1b2', '20261205-093011-mnist-joint-6c54'), '093011-6c54');
  assert.equal(comparedLabel('20261204-141502-digits-a1b2', '20261205-141502-digits-a1b2'), '20261205');
  assert.equal(comparedLabel('run-1', 'other-run-2'), 'other-run-2');
});

test('every chart shares one x range from 0 to the furthest point or marker, so validation starts where training does', () => {
  const training = { xs: [1, 2, 300] };
  const validation = { xs: [100, 200, 300] };
  assert.deepEqual(sharedXRange([validation]), { min: 0, max: 300 });
  assert.deepEqual(sharedXRange([training, validation], [400]), { min: 0, max: 400 });
  assert.equal(sharedXRange([{ xs: [] }]), undefined);
});

test('a run that completes, fails or diverges is announced; one the user stopped is not', () => {
  assert.deepEqual(runEndNotice('completed', { runId: 'r1', experimentName: 'digits' }), {
    severity: 'information',
    message: 'jointrain: digits (r1) finished training.',
  });
  assert.deepEqual(runEndNotice('diverged', { runId: 'r1', error: 'loss became NaN in epoch 3' }), {
    severity: 'error',
    message: 'jointrain: r1 diverged: loss became NaN in epoch 3',
  });
  assert.equal(runEndNotice('failed', { runId: 'r1' })?.message, 'jointrain: r1 failed.');
  assert.equal(runEndNotice('stopped', { runId: 'r1' }), undefined);
  assert.equal(runEndNotice('running', { runId: 'r1' }), undefined);
});
