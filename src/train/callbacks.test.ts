import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LossSpike } from '../results/run-record.ts';
import { divergedForGood, divergenceGuard, type SpikeAction } from './callbacks.ts';
import type { Step } from './loop.ts';

/** Feeds the guard one batch loss per iteration; what it stopped with and the spikes it reported. */
function guard(losses: number[], onSpike: SpikeAction) {
  const spikes: LossSpike[] = [];
  let stopped: string | undefined;
  const callback = divergenceGuard(2, Math.E, onSpike, (spike) => spikes.push(spike)); // limit 2
  for (const [iteration, loss] of losses.entries()) {
    const step = { epoch: 1 + Math.floor(iteration / 4), iteration, loss } as Step;
    callback.onBatchEnd!(step, { stop: (reason) => (stopped ??= reason) });
    if (stopped) break;
  }
  return { spikes, stopped };
}

test('stop: the first loss above the limit stops the cell', () => {
  const { spikes, stopped } = guard([1, 1.5, 2.5, 1], 'stop');
  assert.is(stopped, 'diverged: loss 2.500 > 2.000 at epoch 1, iteration 2');
  assert.equal(spikes, []);
  assert.not.ok(divergedForGood(stopped));
});

test('train-on: each run of batches above the limit is one spike, reported at its first batch; training goes on', () => {
  const { spikes, stopped } = guard([1, 3, 4, 1.5, 1, 1, 2.2, 1], 'train-on');
  assert.is(stopped, undefined);
  assert.equal(spikes, [
    { epoch: 1, iteration: 1, loss: 3, limit: 2 },
    { epoch: 2, iteration: 6, loss: 2.2, limit: 2 },
  ]);
});

test('a loss that is not a number ends the cell for good, whatever the spike action', () => {
  for (const action of ['stop', 'train-on'] as const) {
    const { stopped } = guard([1, 5, NaN, 1], action);
    if (action === 'stop') assert.match(stopped!, /^diverged: loss 5/);
    else {
      assert.is(stopped, 'diverged for good: loss NaN at epoch 1, iteration 2');
      assert.ok(divergedForGood(stopped));
    }
  }
  assert.ok(divergedForGood('diverged: loss Infinity > 9.210 at epoch 3, iteration 7'), 'the wording of earlier runs');
  assert.not.ok(divergedForGood(undefined));
});

test.run();
