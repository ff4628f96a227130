import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMnist } from './mnist.ts';

test('the embedded MNIST split is 8,000 / 2,000 real digits, every class in both, fixed by its seed', () => {
  const mnist = loadMnist();
  assert.is(mnist.train.count, 8000);
  assert.is(mnist.test.count, 2000);
  assert.is(mnist.train.images.length, 8000 * 784);
  for (const split of [mnist.train, mnist.test]) {
    const perClass = new Array(10).fill(0);
    for (const label of split.labels) perClass[label]++;
    assert.ok(perClass.every((n) => n > split.count / 20), `class counts ${perClass}`);
  }
  const again = loadMnist();
  assert.equal(Array.from(again.test.labels.subarray(0, 50)), Array.from(mnist.test.labels.subarray(0, 50)));
  const inked = mnist.train.images.subarray(0, 784).filter((p) => p > 128).length;
  assert.ok(inked > 20 && inked < 400, 'a digit has some ink, not all');
});

test.run();
