import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../errors.ts';
import { BENCHMARKS_DIR, formatCellTable, loadSuite, parseSuite, resolveSuitePath, runConfiguration, type CellSpec } from './index.ts';

const KNOWN = { networks: ['simple-mnist', 'simple'], datasets: ['mnist', 'cifar10'] };
const FILE = 'benchmarks/x.json';

/** A small valid suite; each test changes what it is about. */
function suite(): Record<string, any> {
  return {
    name: 'x',
    description: 'test suite',
    defaults: { network: 'simple-mnist', dataset: 'mnist', epochs: 2, batchSize: 16, seed: 0, weightDecay: 0 },
    cells: [
      { id: 'constant', policy: { name: 'constant', lr: 0.1 } },
      { id: 'one-cycle', policy: { name: 'one-cycle', maxLr: 1 }, description: 'the super-convergence cell' },
    ],
  };
}

const parse = (content: unknown) => parseSuite(typeof content === 'string' ? content : JSON.stringify(content), FILE, KNOWN);

function assertProblem(content: unknown, message: string) {
  try {
    parse(content);
  } catch (error) {
    assert.instance(error, UserError);
    assert.is((error as Error).message, message);
    return;
  }
  assert.unreachable(`expected the error ${message}`);
}

const ids = (cells: readonly CellSpec[]) => cells.map((cell) => cell.id);

test('--seeds n: every cell on seeds 1..n, whatever seeds the file sets; one seed keeps the ids', () => {
  const withSeeds = (content: Record<string, any>, seeds: number) => parseSuite(JSON.stringify(content), FILE, KNOWN, { seeds }).cells;
  const three = withSeeds(suite(), 3);
  assert.equal(ids(three), ['constant.seed-1', 'constant.seed-2', 'constant.seed-3', 'one-cycle.seed-1', 'one-cycle.seed-2', 'one-cycle.seed-3']);
  assert.equal(three.map((c) => c.seed), [1, 2, 3, 1, 2, 3]);
  assert.equal(three.map((c) => c.baseId), ['constant', 'constant', 'constant', 'one-cycle', 'one-cycle', 'one-cycle']);
  assert.equal(withSeeds(suite(), 1).map((c) => [c.id, c.baseId]), [['constant', 'constant'], ['one-cycle', 'one-cycle']]);
  const inCells = suite();
  delete inCells.defaults.seed;
  inCells.cells[0].seed = 7;
  inCells.cells[1].seed = 8;
  assert.equal(withSeeds(inCells, 2).map((c) => [c.id, c.seed]), [['constant.seed-1', 1], ['constant.seed-2', 2], ['one-cycle.seed-1', 1], ['one-cycle.seed-2', 2]]);
  const inMatrix = { ...inCells, cells: suite().cells, matrix: { seed: [4, 5, 6, 7, 8] } };
  assert.equal(withSeeds(inMatrix, 1).map((c) => [c.id, c.seed]), [['constant', 1], ['one-cycle', 1]]);
});

test('a valid suite loads with defaults merged and the policy defaults filled', () => {
  const loaded = parse(suite());
  assert.is(loaded.name, 'x');
  assert.is(loaded.file, FILE);
  assert.equal(loaded.cells[0], {
    id: 'constant',
    baseId: 'constant',
    network: 'simple-mnist',
    dataset: 'mnist',
    policy: { name: 'constant', lr: 0.1 },
    momentum: 0.9,
    epochs: 2,
    batchSize: 16,
    seed: 0,
    weightDecay: 0,
    augment: true,
    divergenceFactor: 4,
  });
  assert.ok(!('description' in loaded.cells[0]!), 'no description key when none is given');
  assert.equal(JSON.parse(JSON.stringify(loaded.cells)), loaded.cells, 'cells survive a JSON round trip unchanged');
  assert.equal(loaded.cells[1]!.policy, { name: 'one-cycle', maxLr: 1, endPercentage: 0.1, scalePercentage: null, maxMomentum: 0.95, minMomentum: 0.85 });
  assert.is(loaded.cells[1]!.description, 'the super-convergence cell');
});

test('a cell field replaces the default whole, a policy included', () => {
  const content = suite();
  content.defaults.policy = { name: 'one-cycle', maxLr: 2, maxMomentum: 0.9 };
  content.defaults.augment = false;
  content.cells = [{ id: 'a', seed: 7, augment: true }, { id: 'b', policy: { name: 'one-cycle', maxLr: 1 } }];
  const [a, b] = parse(content).cells;
  assert.equal([a!.seed, a!.augment, a!.policy.name, (a!.policy as { maxMomentum: number }).maxMomentum], [7, true, 'one-cycle', 0.9]);
  assert.equal([b!.seed, b!.augment, (b!.policy as { maxMomentum: number }).maxMomentum], [0, false, 0.95]);
});

test('the matrix crosses every cell with its varying fields, in the order written, and suffixes the ids', () => {
  const content = suite();
  delete content.defaults.seed;
  delete content.defaults.batchSize;
  delete content.defaults.weightDecay;
  content.matrix = { seed: [1, 2], batchSize: [32], weightDecay: [0, 5e-4] };
  const cells = parse(content).cells;
  assert.equal(ids(cells), [
    'constant.seed-1.weight-decay-0',
    'constant.seed-1.weight-decay-0.0005',
    'constant.seed-2.weight-decay-0',
    'constant.seed-2.weight-decay-0.0005',
    'one-cycle.seed-1.weight-decay-0',
    'one-cycle.seed-1.weight-decay-0.0005',
    'one-cycle.seed-2.weight-decay-0',
    'one-cycle.seed-2.weight-decay-0.0005',
  ]);
  assert.equal(cells.map((cell) => [cell.seed, cell.weightDecay, cell.batchSize]), [
    [1, 0, 32], [1, 5e-4, 32], [2, 0, 32], [2, 5e-4, 32], [1, 0, 32], [1, 5e-4, 32], [2, 0, 32], [2, 5e-4, 32],
  ]);
});

test('the base id is the id without the suffix of a matrix over seeds, wherever the matrix puts it', () => {
  const content = suite();
  delete content.defaults.seed;
  delete content.defaults.batchSize;
  delete content.defaults.weightDecay;
  content.matrix = { batchSize: [16, 32], seed: [1, 2], weightDecay: [0, 5e-4] };
  const cells = parse(content).cells.slice(0, 4);
  assert.equal(ids(cells), ['constant.batch-size-16.seed-1.weight-decay-0', 'constant.batch-size-16.seed-1.weight-decay-0.0005', 'constant.batch-size-16.seed-2.weight-decay-0', 'constant.batch-size-16.seed-2.weight-decay-0.0005']);
  const [zero, small] = ['constant.batch-size-16.weight-decay-0', 'constant.batch-size-16.weight-decay-0.0005'];
  assert.equal(cells.map((cell) => cell.baseId), [zero, small, zero, small]);
  // An id written with a seed in it is a cell of its own.
  const byHand = suite();
  byHand.cells = [3, 4].map((seed) => ({ ...byHand.cells[0], id: `constant.seed-${seed}`, seed }));
  assert.equal(parse(byHand).cells.map((cell) => cell.baseId), ['constant.seed-3', 'constant.seed-4']);
});

test("a cell's run configuration is the cell without its base id, its keys in the same order (run.json's cell)", () => {
  const [cell] = parse(suite()).cells;
  const { baseId: _baseId, ...configuration } = cell!;
  assert.equal(Object.keys(runConfiguration(cell!)), Object.keys(configuration));
  assert.equal(runConfiguration(cell!), configuration);
});

test('a matrix over policies names each cell by its policy', () => {
  const content = suite();
  content.cells = [{ id: 'mnist' }];
  content.matrix = { policy: [{ name: 'constant', lr: 0.1 }, { name: 'one-cycle', maxLr: 1 }] };
  assert.equal(ids(parse(content).cells), ['mnist.policy-constant', 'mnist.policy-one-cycle']);
});

test('malformed JSON names the line and column of the syntax error', () => {
  assertProblem('{\n  "name": "x",\n  "cells": [ }\n}', `${FILE}: invalid JSON at line 3, column 14: Unexpected token '}'`);
  assertProblem('{\n  "name": "x"\n  "cells": []\n}', `${FILE}: invalid JSON at line 3, column 3: Expected ',' or '}' after property value`);
  assertProblem('', `${FILE}: invalid JSON at line 1, column 1: Unexpected end of JSON input`);
});

test('each field error names the file and the JSON path where the value is written', () => {
  const cases: [(content: Record<string, any>) => void, string][] = [
    [(c) => (c.cells[1].policy.maxLr = -1), 'cells[1].policy.maxLr: must be > 0'],
    [(c) => (c.cells[1].network = 'resnet9'), 'cells[1].network: unknown network "resnet9" (known: simple-mnist, simple)'],
    [(c) => (c.defaults.dataset = 'cifar100'), 'defaults.dataset: unknown dataset "cifar100" (known: mnist, cifar10)'],
    [(c) => (c.cells[1].id = 'constant'), 'cells[1].id: duplicate id "constant" (also cells[0])'],
    [(c) => delete c.defaults.epochs, 'cells[0].epochs: required (set it in the cell, in defaults or in matrix)'],
    [(c) => (c.defaults.weightDecay = -1e-4), 'defaults.weightDecay: must be >= 0'],
    [(c) => (c.cells[0].epochs = 1.5), 'cells[0].epochs: must be an integer >= 1'],
    [(c) => (c.cells[0].batchSize = '16'), 'cells[0].batchSize: must be a number'],
    [(c) => (c.cells[0].augment = 'yes'), 'cells[0].augment: must be true or false'],
    [(c) => (c.cells[0].divergenceFactor = 1), 'cells[0].divergenceFactor: must be > 1'],
    [(c) => (c.cells[0].momentum = 1), 'cells[0].momentum: must be in [0, 1)'],
    [(c) => (c.cells[0].policy = { name: 'constant', lr: 0.1, momentun: 0.9 }), 'cells[0].policy: unknown key "momentun" (did you mean "momentum"?)'],
    [(c) => (c.cells[0].policy = { name: 'linear', lr: 0.1 }), 'cells[0].policy.name: must be one of constant, cyclical, one-cycle, one-cycle-cosine, multistep'],
    [(c) => (c.cells[0].lr = 0.1), 'cells[0]: unknown key "lr" (known: id, network, dataset, policy, momentum, epochs, batchSize, seed, weightDecay, augment, divergenceFactor, onLossSpike, nesterov, description, initFrom)'],
    [(c) => (c.defaults.id = 'a'), 'defaults: unknown key "id" (known: network, dataset, policy, momentum, epochs, batchSize, seed, weightDecay, augment, divergenceFactor, onLossSpike, nesterov, description)'],
    [(c) => (c.cells[0].id = 'Constant'), 'cells[0].id: must match [a-z0-9][a-z0-9._-]* (it names a directory)'],
    [(c) => (c.cells[0].id = 'a/b'), 'cells[0].id: must match [a-z0-9][a-z0-9._-]* (it names a directory)'],
    [(c) => (c.cells[0].id = 'a..b'), 'cells[0].id: must not contain ".." (it names a directory)'],
    [(c) => delete c.cells[0].id, 'cells[0].id: required'],
    [(c) => (c.cells = []), 'cells: must list at least one cell'],
    [(c) => (c.cells = {}), 'cells: must be a list'],
    [(c) => delete c.description, 'description: required'],
    [(c) => (c.name = '../up'), 'name: must match [a-z0-9][a-z0-9._-]* (it names a directory)'],
    [(c) => (c.matrix = { seed: [1, -1] }), 'matrix.seed[1]: must be an integer >= 0'],
    [(c) => (c.matrix = { seed: [] }), 'matrix.seed: must list at least one value'],
    [(c) => (c.matrix = { id: ['a'] }), 'matrix: unknown key "id" (known: network, dataset, policy, momentum, epochs, batchSize, seed, weightDecay, augment, divergenceFactor, onLossSpike, nesterov)'],
    [(c) => ((c.matrix = { epochs: [1, 2] }), (c.cells[1].epochs = 3)), 'defaults.epochs: also varied by matrix.epochs; set it in one place'],
    [(c) => ((c.matrix = { augment: [true, false] }), (c.cells[1].augment = true)), 'cells[1].augment: also varied by matrix.augment; set it in one place'],
  ];
  for (const [change, message] of cases) {
    const content = suite();
    change(content);
    assertProblem(content, `${FILE}: ${message}`);
  }
  assertProblem([], `${FILE}: must be an object`);
});

test('a malformed file gets every problem listed, each with its path; a misspelt key names the key meant', () => {
  const content = suite();
  content.cells[1].policy = { name: 'one-cycle', maxLR: 1 };
  content.cells[0].epochs = 0;
  content.defaults.network = 7;
  assertProblem(
    content,
    `${FILE}: defaults.network: must be a string; cells[0].epochs: must be an integer >= 1; cells[1].policy: unknown key "maxLR" (did you mean "maxLr"?)`,
  );
});

test('an id the matrix gives twice is reported as such', () => {
  const content = suite();
  content.cells = [{ id: 'mnist' }];
  content.matrix = { policy: [{ name: 'constant', lr: 0.1 }, { name: 'constant', lr: 0.2 }] };
  assertProblem(
    content,
    `${FILE}: cells[0].id: the matrix gives two cells the id "mnist.policy-constant" (two values named alike, e.g. policies of one name: write them as cells)`,
  );
});

test('the list table shows each policy with its numbers and the momentum the cell trains with', () => {
  const table = formatCellTable(parse(suite()).cells).split('\n');
  assert.is(table.length, 4);
  assert.match(table[0]!, /^id\s+network\s+dataset\s+policy\s+epochs\s+batch\s+seed\s+weight decay$/);
  assert.match(table[2]!, /^constant\s+simple-mnist\s+mnist\s+constant lr=0\.1 momentum=0\.9\s+2\s+16\s+0\s+0$/);
  assert.match(table[3]!, /one-cycle maxLr=1 endPercentage=0\.1 maxMomentum=0\.95 minMomentum=0\.85\s+2/);
});

test('resolveSuitePath finds a suite by name, takes an existing file as is, and lists the suites otherwise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'suite-'));
  await writeFile(join(dir, 'alpha.json'), JSON.stringify(suite()));
  await writeFile(join(dir, 'beta.json'), JSON.stringify(suite()));
  assert.is(resolveSuitePath('alpha', dir), join(dir, 'alpha.json'));
  assert.is(resolveSuitePath(join(dir, 'beta.json'), '/nonexistent'), join(dir, 'beta.json'));
  assert.throws(() => resolveSuitePath('gamma', dir), (error: Error) =>
    error instanceof UserError && error.message === `unknown suite "gamma": neither a suite in ${dir} (available: alpha, beta) nor a file`);
  assert.is(loadSuite(join(dir, 'alpha.json'), KNOWN).cells.length, 2);
  assert.throws(() => loadSuite(join(dir, 'gamma.json'), KNOWN), (error: Error) =>
    error instanceof UserError && error.message === `${join(dir, 'gamma.json')}: cannot read the suite file (ENOENT)`);
});

test('benchmarks/quick.json is valid and derives its cyclical policy from the constant one as the paper does', () => {
  const benchmarks = BENCHMARKS_DIR;
  const quick = loadSuite(resolveSuitePath('quick', benchmarks), { networks: ['simple-mnist'], datasets: ['mnist'] });
  assert.is(quick.name, 'quick');
  assert.equal(ids(quick.cells), ['constant', 'cyclical', 'one-cycle']);
  const [constant, cyclical, oneCycle] = quick.cells.map((cell) => cell.policy);
  assert.ok(constant!.name === 'constant' && cyclical!.name === 'cyclical' && oneCycle!.name === 'one-cycle');
  assert.is(cyclical.maxLr, constant.lr);
  assert.is(cyclical.baseLr, constant.lr / 4);
  assert.equal([oneCycle.maxMomentum, oneCycle.minMomentum, oneCycle.endPercentage], [0.9, 0.85, 0.1]);
  for (const cell of quick.cells) assert.ok(cell.description, `${cell.id} has a description`);
});

test.run();
