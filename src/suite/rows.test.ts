import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILT_IN_DATASETS } from '../data/datasets.ts';
import { UserError } from '../errors.ts';
import { NETWORK_NAMES } from '../nn/network.ts';
import { BENCHMARKS_DIR, loadSuite, parseSuite, resolveSuitePath } from './index.ts';

const KNOWN = { networks: ['simple', 'vgg16bn'], datasets: ['cifar10', 'oxflower17', 'nowhere'] };
const FILE = 'benchmarks/x.json';

function rowSuite(): Record<string, any> {
  return {
    name: 'x',
    description: 'rows test suite',
    defaults: { seed: 1 },
    rules: { constant: { policy: 'constant' }, cyclical: { policy: 'cyclical' }, 'one-cycle': { policy: 'one-cycle' } },
    rows: [{ network: 'simple', dataset: 'cifar10', lr: 0.04, weightDecay: 3e-7, batchSize: 128, epochs: 16, claim: 'claim-1', why: 'because' }],
  };
}

const parse = (content: unknown) => parseSuite(JSON.stringify(content), FILE, KNOWN);

function assertProblem(content: unknown, message: string) {
  try {
    parse(content);
  } catch (error) {
    assert.instance(error, UserError);
    assert.is((error as Error).message, `${FILE}: ${message}`);
    return;
  }
  assert.unreachable(`expected the error ${message}`);
}

test('a row and the default rules give the three policies the paper derives', () => {
  const cells = parse(rowSuite()).cells;
  assert.equal(cells.map((c) => c.id), ['simple.cifar10.constant', 'simple.cifar10.cyclical', 'simple.cifar10.one-cycle']);
  const iterationsPerEpoch = Math.ceil(50_000 / 128);
  assert.equal(cells[0]!.policy, { name: 'constant', lr: 0.04 });
  assert.equal(cells[1]!.policy, { name: 'cyclical', baseLr: 0.01, maxLr: 0.04, stepSize: 4 * iterationsPerEpoch, mode: 'triangular', gamma: 1 });
  assert.equal(cells[2]!.policy, { name: 'one-cycle', maxLr: 0.4, endPercentage: 0.1, scalePercentage: null, maxMomentum: 0.9, minMomentum: 0.85 });
  for (const cell of cells) {
    assert.equal([cell.network, cell.dataset, cell.weightDecay, cell.batchSize, cell.epochs, cell.momentum], ['simple', 'cifar10', 3e-7, 128, 16, 0.9]);
    assert.is(cell.description, 'claim-1: because');
  }
});

test('rule parameters, a subset of rules, per-rule epochs, an explicit row id, and rows before cells', () => {
  const content = rowSuite();
  content.rules.cyclical = { policy: 'cyclical', baseFraction: 1 / 3, stepSizeEpochs: 2.5 };
  content.rows[0] = { ...content.rows[0], id: 'row', dataset: 'oxflower17', batchSize: 32, rules: ['cyclical', 'constant'], epochsByRule: { constant: 40 } };
  content.cells = [{ id: 'extra', network: 'simple', dataset: 'cifar10', policy: { name: 'constant', lr: 0.1 }, epochs: 1, batchSize: 8, weightDecay: 0 }];
  const cells = parse(content).cells;
  assert.equal(cells.map((c) => [c.id, c.epochs]), [['row.cyclical', 16], ['row.constant', 40], ['extra', 1]]);
  const cyclical = cells[0]!.policy;
  assert.ok(cyclical.name === 'cyclical');
  assert.is(cyclical.baseLr, Number((0.04 / 3).toPrecision(12)));
  assert.is(cyclical.stepSize, Math.round(2.5 * Math.ceil(1088 / 32)));
});

test('row and rule errors name the file and the JSON path', () => {
  const cases: [(c: Record<string, any>) => void, string][] = [
    [(c) => (c.rows[0].lr = 0), 'rows[0].lr: must be > 0'],
    [(c) => delete c.rows[0].why, 'rows[0].why: required'],
    [(c) => (c.rows[0].dataset = 'nowhere'), 'rows[0].dataset: has no descriptor to count its epochs by (built-in: mnist, mnist-mini, cifar10, oxflower17, tinyimagenet; or an image folder added with scbench data add)'],
    [(c) => (c.rows[0].rules = ['constant', 'linear']), 'rows[0].rules[1]: unknown rule "linear" (rules: constant, cyclical, one-cycle)'],
    [(c) => (c.rows[0].epochsByRule = { cosine: 3 }), 'rows[0].epochsByRule.cosine: not a rule of this row (constant, cyclical, one-cycle)'],
    [(c) => delete c.rules, 'rows: needs "rules": how each policy derives from a row'],
    [(c) => (c.rules.cyclical.baseFraction = 2), 'rules.cyclical.baseFraction: must be in (0, 1]'],
    [(c) => (c.rules.x = { policy: 'linear' }), 'rules.x.policy: must be one of constant, cyclical, one-cycle'],
    [(c) => (c.rules['one-cycle'].maxLrFactor = -1), 'rules["one-cycle"].maxLrFactor: must be > 0'],
    [(c) => (c.rules['one-cycle'].minMomentum = 0.95), 'rows[0]: rule "one-cycle" derives an invalid policy: minMomentum: must be <= maxMomentum (0.9)'],
    [(c) => (c.matrix = { epochs: [1, 2] }), 'rows[0].epochs: also varied by matrix.epochs; set it in one place'],
    [(c) => delete c.rows, 'must declare "rows" (with "rules") or "cells"'],
    [(c) => (c.matrix = { policy: [{ name: 'constant', lr: 1 }] }), 'rows[0].rules: also varied by matrix.policy; set it in one place'],
    [(c) => delete c.defaults.seed, 'rows[0]: seed: required (set it in defaults or in matrix)'],
  ];
  for (const [change, message] of cases) {
    const content = rowSuite();
    change(content);
    assertProblem(content, message);
  }
});

test('claims must name written cells; matrix copies over seeds are theirs', () => {
  const content = rowSuite();
  delete content.defaults;
  content.matrix = { seed: [1, 2] };
  content.claims = [{ id: 'c', statement: 's', all: [{ kind: 'beats', cell: 'simple.cifar10.one-cycle', others: ['simple.cifar10.constant'] }] }];
  const suite = parse(content);
  assert.is(suite.cells.length, 6);
  assert.is(suite.claims?.length, 1);
  content.claims[0].all[0].others = ['simple.cifar10.constant.seed-1'];
  assertProblem(content, 'claims[0].all[0].others[0]: unknown cell "simple.cifar10.constant.seed-1" (cells: simple.cifar10.constant, simple.cifar10.cyclical, simple.cifar10.one-cycle)');
});

test('initFrom names an earlier cell of the same network and data, at the same matrix point', () => {
  const content = rowSuite();
  delete content.rows;
  content.defaults = { network: 'simple', dataset: 'cifar10', epochs: 1, batchSize: 8, weightDecay: 0, policy: { name: 'constant', lr: 0.1 } };
  content.cells = [{ id: 'first' }, { id: 'second', initFrom: 'first' }];
  content.matrix = { seed: [1, 2] };
  const cells = parse(content).cells;
  assert.equal(cells.map((c) => [c.id, c.initFrom]), [['first.seed-1', undefined], ['first.seed-2', undefined], ['second.seed-1', 'first.seed-1'], ['second.seed-2', 'first.seed-2']]);
  assert.not.ok('initFrom' in cells[0]!, 'left out, not undefined: a cell equals its run.json copy');
  content.cells = [{ id: 'first', initFrom: 'second' }, { id: 'second' }];
  assertProblem(content, 'cells[0].initFrom: must name an earlier cell of the suite, not "second.seed-1"');
  content.cells = [{ id: 'first' }, { id: 'second', initFrom: 'first', network: 'vgg16bn' }];
  assertProblem(content, 'cells[1].initFrom: first.seed-1 trains simple on cifar10, this cell vgg16bn on cifar10: the weights do not carry over');
});

test('benchmarks/paper.json: 22 cells, every row of Table 1 derived by the rules, each budget naming its claim', () => {
  const paper = loadSuite(resolveSuitePath('paper', BENCHMARKS_DIR), { networks: NETWORK_NAMES, datasets: Object.keys(BUILT_IN_DATASETS) });
  assert.is(paper.cells.length, 22);
  const twenty = paper.cells.find((c) => c.id === 'vgg16bn.oxflower17.20-epochs.one-cycle')!;
  assert.equal([twenty.epochs, twenty.policy], [20, paper.cells.find((c) => c.id === 'vgg16bn.oxflower17.one-cycle')!.policy]);
  assert.ok(paper.cells.every((c) => c.onLossSpike === 'train-on'), 'the paper cells train through loss spikes, as Keras');
  // Table 1 of the paper (shared/spec/paper.md): network, dataset, constant lr, weight decay.
  const table1: [string, string, number, number][] = [
    ['simple', 'cifar10', 0.04, 3e-7],
    ['simple', 'oxflower17', 0.0084, 1e-6],
    ['vgg16bn', 'cifar10', 0.01288, 1e-6],
    ['vgg16bn', 'oxflower17', 0.01023, 1e-6],
    ['mobilenetv2', 'cifar10', 0.002, 3e-6],
    ['mobilenetv2', 'oxflower17', 0.00758, 1e-6],
    ['mobilenetv2', 'tinyimagenet', 0.16, 1e-7],
  ];
  for (const [network, dataset, lr, weightDecay] of table1) {
    const cell = (rule: string) => paper.cells.find((c) => c.id === `${network}.${dataset}.${rule}`)!;
    const [constant, cyclical, oneCycle] = [cell('constant'), cell('cyclical'), cell('one-cycle')];
    for (const c of [constant, cyclical, oneCycle]) {
      assert.equal([c.network, c.dataset, c.weightDecay, c.momentum], [network, dataset, weightDecay, 0.9]);
      assert.match(c.description ?? '', /^claim-[1-7]: /);
    }
    assert.equal(constant.policy, { name: 'constant', lr });
    assert.ok(cyclical.policy.name === 'cyclical' && oneCycle.policy.name === 'one-cycle');
    assert.ok(Math.abs(cyclical.policy.baseLr - lr / 4) < 1e-15 && cyclical.policy.maxLr === lr);
    assert.is(cyclical.policy.stepSize, 4 * Math.ceil(BUILT_IN_DATASETS[dataset]!.counts.train / cyclical.batchSize));
    assert.ok(Math.abs(oneCycle.policy.maxLr - 10 * lr) < 1e-12);
    assert.equal([oneCycle.policy.endPercentage, oneCycle.policy.maxMomentum, oneCycle.policy.minMomentum], [0.1, 0.9, 0.85]);
  }
  const tiny = (rule: string) => paper.cells.find((c) => c.id === `mobilenetv2.tinyimagenet.${rule}`)!.epochs;
  assert.is(tiny('constant'), 2 * tiny('one-cycle'), 'claim 7: constant twice as long as one-cycle');
  assert.equal(paper.claims?.map((c) => c.id), ['claim-1', 'claim-2', 'claim-3', 'claim-4', 'claim-5', 'claim-6', 'claim-7']);
});

test('benchmarks/smith-topin.json and keras-one-cycle.json load; the second pass starts from the first, both with the script\'s SGD', () => {
  const known = { networks: NETWORK_NAMES, datasets: Object.keys(BUILT_IN_DATASETS) };
  const smithTopin = loadSuite(resolveSuitePath('smith-topin', BENCHMARKS_DIR), known);
  assert.equal(smithTopin.cells.map((c) => [c.id, c.network, c.weightDecay, c.policy.name]), [['one-cycle', 'resnet56-bn0.95', 5e-5, 'one-cycle'], ['multistep', 'resnet56', 5e-5, 'multistep']]);
  assert.equal(smithTopin.claims?.map((c) => c.id), ['claim-8']);
  const keras = loadSuite(resolveSuitePath('keras-one-cycle', BENCHMARKS_DIR), known);
  assert.equal(keras.cells.map((c) => [c.id, c.epochs, c.policy.name === 'one-cycle' && c.policy.maxLr, c.initFrom]), [
    ['pass-1', 40, 0.02, undefined],
    ['pass-2', 30, 0.005, 'pass-1'],
  ]);
  assert.equal(keras.claims?.map((c) => c.id), ['claim-9']);
  assert.ok(keras.cells.every((c) => c.nesterov === true && c.weightDecay === 1e-6 && c.policy.name === 'one-cycle' && c.policy.maxMomentum === 0.9));
});

test.run();
