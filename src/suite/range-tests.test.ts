import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openSuite, parseAnySuite, type RangeTestSuite } from './index.ts';

const KNOWN = { networks: ['simple-mnist'], datasets: ['mnist-mini'] };
const base = { name: 'rt', description: 'd', defaults: { network: 'simple-mnist', dataset: 'mnist-mini', batchSize: 32, seed: 1, weightDecay: 0 } };
const parse = (json: unknown) => parseAnySuite(JSON.stringify(json), 'rt.json', KNOWN).suite as RangeTestSuite;
const problem = (json: unknown) => {
  try {
    parse(json);
    return 'no error';
  } catch (error) {
    return (error as Error).message;
  }
};

test('defaults merge into each test; the fine sweep refers to a coarse weight-decay sweep', () => {
  const suite = parse({
    ...base,
    rangeTests: [
      { id: 'coarse', sweep: { parameter: 'weightDecay', values: [1e-3, 1e-4] } },
      { id: 'fine', iterations: 50, sweep: { parameter: 'weightDecay', fineAround: 'coarse' } },
    ],
  });
  assert.equal(suite.tests[1], {
    id: 'fine', network: 'simple-mnist', dataset: 'mnist-mini', batchSize: 32, seed: 1, weightDecay: 0, minLr: 1e-5, maxLr: 10, scale: 'exp',
    stopFactor: 4, validationSamples: 0, momentum: 0.9, augment: true, epochs: 1, iterations: 50, sweep: { parameter: 'weightDecay', fineAround: 'coarse' },
  });
});

test('errors name the file and the JSON path', () => {
  assert.is(problem({ ...base, rangeTests: [{ id: 'a', lr: 1 }] }), 'rt.json: rangeTests[0]: unknown key "lr" (known: id, description, network, dataset, minLr, maxLr, scale, iterations, epochs, momentum, weightDecay, batchSize, seed, validationSamples, augment, stopFactor, sweep)');
  assert.is(problem({ ...base, rangeTests: [{ id: 'a', maxLr: -1 }] }), 'rt.json: rangeTests[0].maxLr: must be > 0');
  assert.is(problem({ ...base, defaults: {}, rangeTests: [{ id: 'a' }] }), 'rt.json: rangeTests[0].network: required (set it in the test or in defaults)');
  assert.is(problem({ ...base, rangeTests: [{ id: 'a', minLr: 1, maxLr: 0.5 }] }), 'rt.json: rangeTests[0].maxLr: must be above minLr (1)');
  assert.match(problem({ ...base, rangeTests: [{ id: 'a', sweep: { parameter: 'weightDecay', fineAround: 'b' } }] }), /^rt\.json: rangeTests\[0\]\.sweep\.fineAround: must name a weight-decay sweep/);
  assert.match(problem({ ...base, rangeTests: [{ id: 'a', dataset: 'x' }] }), /^rt\.json: rangeTests\[0\]\.dataset: unknown dataset "x"/);
});

test('the shipped range-test suite is valid and recognised; a training suite is not one', () => {
  const opened = openSuite('range-tests');
  assert.is(opened.kind, 'range-tests');
  assert.is(openSuite('quick').kind, 'training');
  assert.ok((opened.suite as RangeTestSuite).tests.some((t) => t.id.startsWith('embedded.')));
});

test.run();
