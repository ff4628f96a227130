import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../errors.ts';
import { selectCells, type CellSpec } from './index.ts';

const cell = (id: string): CellSpec => ({
  id,
  network: 'simple-mnist',
  dataset: 'mnist',
  policy: { name: 'constant', lr: 0.1 },
  momentum: 0.9,
  epochs: 1,
  batchSize: 8,
  seed: 0,
  weightDecay: 0,
  augment: true,
  divergenceFactor: 4,
});

const CELLS = ['constant', 'cyclical', 'one-cycle', 'one-cycle.seed-2', 'vgg.constant', 'vgg.cyclical', 'vgg.one-cycle'].map(cell);
const ids = (cells: readonly CellSpec[]) => cells.map((c) => c.id);

function assertUserError(run: () => unknown, message: string) {
  assert.throws(run, (error: Error) => error instanceof UserError && error.message === message);
}

test('shards partition the cells: disjoint, together all of them, sizes within one, in suite order', () => {
  for (let count = 1; count <= 9; count++) {
    const shards = Array.from({ length: count }, (_, i) => ids(selectCells(CELLS, { shard: `${i + 1}/${count}` })));
    const all = shards.flat();
    assert.is(all.length, CELLS.length, `${count} shards`);
    assert.equal(new Set(all), new Set(ids(CELLS)), `${count} shards`);
    const sizes = shards.map((shard) => shard.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${count} shards: sizes ${sizes}`);
    for (const shard of shards) assert.equal(shard, ids(CELLS).filter((id) => shard.includes(id)), 'suite order');
  }
});

test('a cell falls in the same shard whatever the order of the cells and from run to run', () => {
  const reordered = [...CELLS].reverse();
  for (let i = 1; i <= 3; i++) {
    const shard = ids(selectCells(CELLS, { shard: `${i}/3` }));
    assert.equal(ids(selectCells(CELLS, { shard: `${i}/3` })), shard);
    assert.equal(new Set(ids(selectCells(reordered, { shard: `${i}/3` }))), new Set(shard));
  }
});

test('invalid shards are a UserError naming --shard', () => {
  for (const shard of ['0/2', '3/2', '1/0', 'a/b', '1-2', '', '1/2/3', '-1/2']) {
    assertUserError(() => selectCells(CELLS, { shard }), `--shard ${JSON.stringify(shard)}: must be i/n with 1 <= i <= n, e.g. 2/4`);
  }
});

test('--cells globs match whole ids with * and ?, commas separate alternatives, dots are literal', () => {
  const select = (glob: string) => ids(selectCells(CELLS, { glob }));
  assert.equal(select('one-cycle'), ['one-cycle']);
  assert.equal(select('one-*'), ['one-cycle', 'one-cycle.seed-2']);
  assert.equal(select('*cyclical'), ['cyclical', 'vgg.cyclical']);
  assert.equal(select('c?nstant'), ['constant']);
  assert.equal(select('constant, vgg.*'), ['constant', 'vgg.constant', 'vgg.cyclical', 'vgg.one-cycle']);
  assert.equal(select('*'), ids(CELLS));
  assertUserError(() => select('vggxconstant'), `--cells "vggxconstant": matches no cell (cells: ${ids(CELLS).join(', ')})`);
  assertUserError(() => select('one-cycle.seed-?0'), `--cells "one-cycle.seed-?0": matches no cell (cells: ${ids(CELLS).join(', ')})`);
});

test('a shard splits what the glob selected', () => {
  const vgg = [1, 2].map((i) => ids(selectCells(CELLS, { glob: 'vgg.*', shard: `${i}/2` })));
  assert.equal(vgg.flat().sort(), ['vgg.constant', 'vgg.cyclical', 'vgg.one-cycle']);
  assert.equal(vgg.map((shard) => shard.length).sort(), [1, 2]);
});

test.run();
