import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../errors.ts';
import { selectCells, type CellSpec } from './index.ts';
import { assignShards, expectedCost } from './shards.ts';

const cell = (id: string, network = 'simple-mnist', dataset = 'mnist'): CellSpec => ({
  id,
  network,
  dataset,
  policy: { name: 'constant', lr: 0.1 },
  momentum: 0.9,
  epochs: 1,
  batchSize: 8,
  seed: 0,
  weightDecay: 0,
  augment: true,
  divergenceFactor: 4,
});

const CELLS = ['constant', 'cyclical', 'one-cycle', 'one-cycle.seed-2', 'vgg.constant', 'vgg.cyclical', 'vgg.one-cycle'].map((id) => cell(id));
const ids = (cells: readonly CellSpec[]) => cells.map((c) => c.id);

function assertUserError(run: () => unknown, message: string) {
  assert.throws(run, (error: Error) => error instanceof UserError && error.message === message);
}

test('shards of equal-cost cells partition them: disjoint, together all of them, sizes within one, in suite order', () => {
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

// A small grid of unequal cells: three networks on three data sets, with different epoch budgets.
const GRID: CellSpec[] = ['simple', 'vgg16bn', 'mobilenetv2'].flatMap((network) =>
  ['cifar10', 'oxflower17', 'tinyimagenet'].flatMap((dataset) =>
    ['constant', 'cyclical', 'one-cycle'].map((policy, i) => ({ ...cell(`${network}.${dataset}.${policy}`, network, dataset), epochs: 10 + 5 * i })),
  ),
);

function loads(cells: readonly CellSpec[], count: number): number[] {
  const totals = new Array<number>(count).fill(0);
  for (const [id, shard] of assignShards(cells, count)) totals[shard] += expectedCost(cells.find((c) => c.id === id)!);
  return totals;
}

test('a cell costs network MACs x train images x epochs', () => {
  const simple = cell('a', 'simple', 'cifar10');
  assert.is(expectedCost({ ...simple, epochs: 3 }), 3 * expectedCost(simple));
  assert.ok(expectedCost(cell('b', 'vgg16bn', 'cifar10')) > 10 * expectedCost(simple));
  // Oxflower17 has 1,088 train images of 224x224; CIFAR-10 50,000 of 32x32 (49 times fewer pixels).
  const ratio = expectedCost(cell('c', 'vgg16bn', 'oxflower17')) / expectedCost(cell('d', 'vgg16bn', 'cifar10'));
  assert.ok(ratio > 0.5 && ratio < 2, `oxflower17 / cifar10 cost ${ratio}`);
});

test('shards are balanced by expected cost: within 4/3 of the best possible', () => {
  const total = GRID.reduce((sum, c) => sum + expectedCost(c), 0);
  const costliest = Math.max(...GRID.map(expectedCost));
  for (let count = 2; count <= 6; count++) {
    const perShard = loads(GRID, count);
    const lowerBound = Math.max(total / count, costliest);
    assert.ok(Math.max(...perShard) <= (4 / 3) * lowerBound, `${count} shards: ${perShard} vs bound ${lowerBound}`);
  }
  // Counting cells would put the 9 VGG cells 3 to a shard of 3 beside the cheap ones; by cost each shard
  // gets its share of the expensive cells and the cheap ones fill in.
  const perShard = loads(GRID, 3);
  assert.ok(Math.max(...perShard) / Math.min(...perShard) < 1.1, `3 shards: ${perShard}`);
});

test('adding a cell moves no costlier cell to another shard', () => {
  const before = assignShards(GRID, 4);
  for (const added of [cell('zz.new', 'simple', 'cifar10'), { ...cell('aa.new', 'mobilenetv2', 'tinyimagenet'), epochs: 15 }]) {
    const after = assignShards([...GRID, added], 4);
    for (const c of GRID) {
      if (expectedCost(c) > expectedCost(added)) assert.is(after.get(c.id), before.get(c.id), `${c.id} after adding ${added.id}`);
    }
  }
});

test('a cell that joins an initFrom chain moves no unit costlier than the grown chain', () => {
  const before = assignShards(GRID, 4);
  const source = 'mobilenetv2.tinyimagenet.one-cycle';
  const joining = { ...cell('pass-2', 'mobilenetv2', 'tinyimagenet'), initFrom: source };
  const after = assignShards([...GRID, joining], 4);
  const chainCost = expectedCost(GRID.find((c) => c.id === source)!) + expectedCost(joining);
  let costlierChecked = 0;
  for (const c of GRID) {
    if (expectedCost(c) <= chainCost) continue;
    assert.is(after.get(c.id), before.get(c.id), `${c.id} after ${joining.id} joined ${source}`);
    costlierChecked += 1;
  }
  assert.ok(costlierChecked > 0, 'the grown chain is not the costliest unit: the check would be empty');
  assert.is(after.get(joining.id), after.get(source));
});

test('cells chained by initFrom land in one shard, whatever the shard count', () => {
  const chained = [...GRID, { ...cell('pass-2', 'vgg16bn', 'cifar10'), initFrom: 'vgg16bn.cifar10.one-cycle' }, { ...cell('pass-3', 'simple', 'cifar10'), initFrom: 'pass-2' }];
  for (let count = 2; count <= 6; count++) {
    const shardOf = assignShards(chained, count);
    assert.is(shardOf.get('pass-2'), shardOf.get('vgg16bn.cifar10.one-cycle'), `${count} shards`);
    assert.is(shardOf.get('pass-3'), shardOf.get('pass-2'), `${count} shards`);
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
