import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingTime } from '../../../src/trainer/training/trainerParts';

test('training time counts from start, continues across a resume from what the checkpoint saved, and is not restarted by a second start', () => {
  const time = new TrainingTime();
  assert.equal(time.elapsedMs(5_000), 0, 'nothing before start');
  time.start(1_000);
  time.start(9_000);
  assert.equal(time.elapsedMs(61_000), 60_000);
  const resumed = new TrainingTime();
  resumed.restore({ ms: 60_000 });
  assert.equal(resumed.elapsedMs(500), 60_000, 'a restored count waits for start');
  resumed.start(100);
  assert.equal(resumed.elapsedMs(2_100), 62_000);
});
