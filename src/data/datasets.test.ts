import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILT_IN_DATASETS } from './datasets.ts';
import { loadDatasetByName } from './registry.ts';

test('every descriptor is whole: its name is its key, class names as many as its classes, targets ascending fractions', () => {
  for (const [name, descriptor] of Object.entries(BUILT_IN_DATASETS)) {
    assert.is(descriptor.name, name);
    if (descriptor.classNames) assert.is(descriptor.classNames.length, descriptor.classes, name);
    assert.ok(descriptor.accuracyTargets.every((t, i, all) => t > 0 && t < 1 && (i === 0 || t > all[i - 1])), name);
  }
});

test('the embedded descriptors agree with the loaded MNIST splits', async () => {
  for (const name of ['mnist', 'mnist-mini']) {
    const { counts, shape, classes } = BUILT_IN_DATASETS[name];
    const dataset = await loadDatasetByName(name);
    assert.equal([counts.train, counts.test, shape, classes], [dataset.train.count, dataset.test.count, dataset.train.shape, dataset.classNames.length], name);
  }
});

test.run();
