// scripts/torch_throughput.py against src/nn: the same parameter count (trained parameters and batch-norm
// statistics) for every network and class count the GPU check measures, and in MNIST shape. The count does not
// depend on the image size: every network ends in global average pooling.
// Needs a Python with PyTorch: $PYTHON, python3, or Debian's /usr/bin/python3 (apt-get install python3-torch);
// skipped, saying so, without one.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { networkSize } from '../../src/nn/network.ts';
import { openSuite, trainingSuite } from '../../src/suite/index.ts';
import { shapesToMeasure } from './plan.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const python = [process.env.PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch']).status === 0);

test('the PyTorch networks have the parameters of src/nn, for every network and class count the check measures', () => {
  if (!python) {
    console.log('  (skipped: no Python with PyTorch here; apt-get install python3-torch)');
    return;
  }
  const paper = trainingSuite(openSuite('paper'));
  const networks = [...shapesToMeasure(paper.cells).map((s) => [s.network, s.input[2], s.classes] as const), ['simple-mnist', 1, 10] as const];
  const count = spawnSync(python, ['-c', [
    'import json, sys',
    'from torch_throughput import NETWORKS, parameter_count',
    'print(json.dumps([parameter_count(NETWORKS[n](c, k)) for n, c, k in json.loads(sys.argv[1])]))',
  ].join('\n'), JSON.stringify(networks)], { cwd: join(root, 'scripts'), encoding: 'utf8' });
  assert.is(count.status, 0, count.stderr);
  const torch = JSON.parse(count.stdout) as number[];
  assert.equal(
    networks.map(([network, channels, classes], i) => `${network} (${channels} channels, ${classes} classes): ${torch[i]}`),
    networks.map(([network, channels, classes]) => `${network} (${channels} channels, ${classes} classes): ${networkSize(network, [32, 32, channels], classes).parameters}`),
  );
});

test.run();
