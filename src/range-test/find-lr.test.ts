import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSweepFlag } from './find-lr.ts';

test('--sweep flags', () => {
  assert.equal(parseSweepFlag('momentum=0.85,0.9'), { parameter: 'momentum', values: [0.85, 0.9] });
  assert.equal(parseSweepFlag('weight-decay=1e-3,1e-4'), { parameter: 'weightDecay', values: [1e-3, 1e-4] });
  assert.throws(() => parseSweepFlag('momentum=0.9,1.2'), /--sweep: value 2 "1.2"/);
  assert.throws(() => parseSweepFlag('lr=1'), /--sweep: expected/);
});

test.run();
