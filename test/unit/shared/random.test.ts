import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../../src/shared/random';

const draw = (random: Random, count: number) => Array.from({ length: count }, () => random.nextFloat());

test('the same seed gives the same stream and another seed a different one', () => {
  assert.deepEqual(draw(new Random(42), 20), draw(new Random(42), 20));
  assert.notDeepEqual(draw(new Random(42), 20), draw(new Random(43), 20));
});

test('floats lie in [0, 1) with a uniform mean, and integers in [0, n) cover every value', () => {
  const random = new Random(1);
  const floats = draw(random, 20000);
  assert.ok(floats.every((x) => x >= 0 && x < 1));
  const mean = floats.reduce((a, b) => a + b, 0) / floats.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  const counts = new Array<number>(7).fill(0);
  for (let i = 0; i < 7000; i++) counts[random.nextInt(7)]! += 1;
  assert.ok(
    counts.every((count) => count > 850 && count < 1150),
    `counts ${counts.join(', ')}`,
  );
  assert.throws(() => random.nextInt(0), RangeError);
});

test('normal deviates have mean 0 and standard deviation 1', () => {
  const random = new Random(3);
  const values = Array.from({ length: 40000 }, () => random.normal());
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.02, `std ${std}`);
});

test('shuffle permutes in place, reproducibly by seed', () => {
  const items = [...Array(50).keys()];
  const shuffled = new Random(5).shuffle([...items]);
  assert.deepEqual(
    [...shuffled].sort((a, b) => a - b),
    items,
  );
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual(new Random(5).shuffle([...items]), shuffled);
  const inPlace = [...items];
  assert.equal(new Random(5).shuffle(inPlace), inPlace);
});

test('a fork depends on the seed and its label only, not on how far the parent has advanced', () => {
  const parent = new Random(9);
  const before = draw(parent.fork('split:mnist'), 5);
  draw(parent, 100);
  assert.deepEqual(draw(parent.fork('split:mnist'), 5), before);
  assert.notDeepEqual(draw(parent.fork('split:fashion'), 5), before);
  assert.notDeepEqual(draw(new Random(10).fork('split:mnist'), 5), before);
  assert.notDeepEqual(draw(parent.fork('a').fork('b'), 5), draw(parent.fork('b'), 5));
  assert.notDeepEqual(draw(new Random(9), 5), before);
});

test('forking leaves the parent stream unchanged', () => {
  const plain = new Random(11);
  const forked = new Random(11);
  forked.fork('anything');
  assert.deepEqual(draw(forked, 10), draw(plain, 10));
});
