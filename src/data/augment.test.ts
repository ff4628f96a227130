import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from '../random.ts';
import { describeAugmentations, horizontalFlip, randomRotation, randomWidthShift } from './augment.ts';
import { BUILT_IN_DATASETS } from './datasets.ts';
import { augmentationsFor } from './registry.ts';
import type { Augmentation } from './dataset.ts';

/** A random stream that replays the given numbers and counts the draws. */
function scripted(...values: number[]): (() => number) & { draws: number } {
  const next = Object.assign(() => values[next.draws++], { draws: 0 });
  return next;
}

function apply(augment: Augmentation, pixels: number[], shape: [number, number, number], random: () => number): number[] {
  const image = Uint8Array.from(pixels);
  augment(image, shape, random);
  return [...image];
}

// 1 2 3
// 4 5 6
// 7 8 9
const grid = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const gridShape: [number, number, number] = [3, 3, 1];

test('horizontal flip mirrors every row below p and leaves the image otherwise; one draw either way', () => {
  const flip = horizontalFlip();
  const low = scripted(0.49);
  assert.equal(apply(flip, grid, gridShape, low), [3, 2, 1, 6, 5, 4, 9, 8, 7]);
  const high = scripted(0.5);
  assert.equal(apply(flip, grid, gridShape, high), grid);
  assert.equal([low.draws, high.draws], [1, 1]);
  // Channels move together: one row of two RGB pixels.
  assert.equal(apply(flip, [1, 2, 3, 4, 5, 6], [1, 2, 3], scripted(0)), [4, 5, 6, 1, 2, 3]);
});

test('random width shift: dx from floor(r * (2 max + 1)) - max, sideways only, the edge column repeated; one draw', () => {
  const shift = randomWidthShift(1);
  // dx = +1: every pixel takes its right neighbour, the last column repeats.
  assert.equal(apply(shift, grid, gridShape, scripted(0.99)), [2, 3, 3, 5, 6, 6, 8, 9, 9]);
  // dx = -1: every pixel takes its left neighbour, the first column repeats.
  assert.equal(apply(shift, grid, gridShape, scripted(0)), [1, 1, 2, 4, 4, 5, 7, 7, 8]);
  const still = scripted(0.5);
  assert.equal(apply(shift, grid, gridShape, still), grid);
  assert.equal(still.draws, 1);
  // Channels move together; a shift past the width leaves the edge pixel everywhere.
  assert.equal(apply(randomWidthShift(3), [1, 2, 3, 4, 5, 6], [1, 2, 3], scripted(0.99)), [4, 5, 6, 4, 5, 6]);
});

test('random rotation: angle (2r - 1) * max, clockwise as displayed, nearest pixel, zero fill', () => {
  const rotate = randomRotation(180);
  assert.equal(apply(rotate, grid, gridShape, scripted(0.75)), [7, 4, 1, 8, 5, 2, 9, 6, 3]); // +90
  assert.equal(apply(rotate, grid, gridShape, scripted(0.25)), [3, 6, 9, 2, 5, 8, 1, 4, 7]); // -90
  assert.equal(apply(rotate, grid, gridShape, scripted(0)), [9, 8, 7, 6, 5, 4, 3, 2, 1]); // -180
  assert.equal(apply(rotate, grid, gridShape, scripted(0.5)), grid); // 0
  // A 1x3 strip turned by 90 degrees keeps its centre; its ends fall outside and become zero.
  assert.equal(apply(rotate, [10, 20, 30, 40, 50, 60, 70, 80, 90], [1, 3, 3], scripted(0.75)), [0, 0, 0, 40, 50, 60, 0, 0, 0]);
});

test('a small rotation moves no pixel further than its arc plus rounding', () => {
  // +10 degrees on a 9x9 image: the centre stays; a corner (radius 5.66) sweeps an arc of 0.99 px,
  // and rounding to the nearest pixel adds at most 0.71 px.
  const size = 9;
  const pixels = Array.from({ length: size * size }, (_, i) => i);
  const rotated = apply(randomRotation(10), pixels, [size, size, 1], scripted(1 - 1e-12));
  assert.is(rotated[4 * size + 4], pixels[4 * size + 4]);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const value = rotated[y * size + x];
      if (value === 0 && !(x === 0 && y === 0)) continue;
      const [sy, sx] = [Math.floor(value / size), value % size];
      assert.ok(Math.hypot(sy - y, sx - x) <= 1.7, `pixel (${y}, ${x}) came from (${sy}, ${sx})`);
    }
  }
});

test('default lists: the same seed gives the same augmented image, and mnist is left alone', () => {
  const shape: [number, number, number] = [8, 8, 3];
  const pixels = Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 13) % 256);
  for (const name of ['cifar10', 'oxflower17'] as const) {
    const run = () => {
      const image = Uint8Array.from(pixels);
      const random = seededRandom('augment-test', name);
      for (let i = 0; i < 5; i++) for (const augment of augmentationsFor(name)) augment(image, shape, random);
      return [...image];
    };
    assert.equal(run(), run(), name);
    assert.is.not(run().join(), pixels.join(), name);
  }
  assert.equal(augmentationsFor('mnist'), []);
  assert.equal(augmentationsFor('tinyimagenet'), [], 'the paper names no augmentation for Tiny ImageNet');
  assert.is(describeAugmentations(BUILT_IN_DATASETS.cifar10.augmentations), 'random width shift up to 3 px (nearest fill), horizontal flip p=0.5');
  assert.equal(augmentationsFor('mnist-mini'), []);
  assert.is(augmentationsFor('cifar10').length, 2);
  assert.match(describeAugmentations(BUILT_IN_DATASETS.oxflower17.augmentations), /rotation up to 30 degrees/);
});

test.run();
