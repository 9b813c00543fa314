import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainerCommandFor } from '../../../src/shared/panel/panelCommands';
import { parsePanelMessage } from '../../../src/shared/panel/protocol';
import { scheduleCharts } from '../../../src/shared/panel/scheduleSeries';
import type { RunView } from '../../../src/shared/panel/runView';

function view(learningRate: NonNullable<RunView['schedules']>['learningRate'], learningRates: number[], total = 4): Parameters<typeof scheduleCharts>[0] {
  return {
    schedules: { sampling: {}, loss: {}, learningRate },
    epochs: { total, completed: learningRates.length },
    epochHistory: [],
    temperatures: [],
    datasets: [],
    learningRates,
  };
}

test('a cosine schedule is drawn as planned beside the rate each finished epoch trained with', () => {
  const charts = scheduleCharts(view({ base: 0.01, schedule: { type: 'cosine', warmup_epochs: 1, min_learning_rate: 0 } }, [0.01, 0.01]));
  assert.deepEqual(charts, [
    {
      key: 'learning-rate',
      title: 'Learning rate',
      epochs: [1, 2, 3, 4],
      // Warm-up epoch 1, then from 0.01 at epoch 2 down to 0 at epoch 4: (1 + cos(π/2))/2 = 0.5 at epoch 3.
      lines: [{ label: 'learning rate', planned: [0.01, 0.01, 0.005, 0], actual: [0.01, 0.01, null, null] }],
    },
  ]);
});

test('a constant rate is not drawn until a request or a plateau moves it; then the written rate is the plan', () => {
  assert.deepEqual(scheduleCharts(view({ base: 0.01 }, [0.01, 0.01])), []);
  assert.deepEqual(scheduleCharts(view({ base: 0.01, schedule: { type: 'constant' } }, [0.01, 0.01])), []);
  const moved = scheduleCharts(view({ base: 0.01 }, [0.01, 0.002]));
  assert.deepEqual(moved[0]?.lines, [{ label: 'learning rate', planned: [0.01, 0.01, 0.01, 0.01], actual: [0.01, 0.002, null, null] }]);
  const plateau = scheduleCharts(
    view(
      {
        base: 0.01,
        schedule: { type: 'reduce_on_plateau', monitor: 'val_loss_mean', factor: 0.5, patience: 1, min_delta: 0, cooldown: 0, min_learning_rate: 0 },
      },
      [0.01],
    ),
  );
  assert.equal(plateau[0]?.key, 'learning-rate', 'a plateau schedule is drawn from the start');
});

test('a learning rate from the panel is validated strictly and becomes the trainer’s set-learning-rate command with its request id', () => {
  const parsed = parsePanelMessage({ type: 'set-learning-rate', runId: 'run-1', requestId: 'panel-abc', value: 0.0005 });
  assert.ok(parsed.ok);
  if (parsed.message.type !== 'set-learning-rate') throw new Error(parsed.message.type);
  assert.deepEqual(trainerCommandFor(parsed.message, []), { ok: true, command: { type: 'set-learning-rate', requestId: 'panel-abc', value: 0.0005 } });
  for (const value of [0, -1, 11, Number.NaN, '0.1']) {
    assert.equal(parsePanelMessage({ type: 'set-learning-rate', runId: 'run-1', requestId: 'panel-abc', value }).ok, false, String(value));
  }
});
