import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildReport, reportCommand, type ClaimEvaluator } from './index.ts';
import { RANGE_TEST_FILES } from '../results/range-test.ts';
import { climbingMetrics, HAND_SUITE_JSON, handMadeSuite, rangeTestCsv, scheduledSteps, SUGGESTIONS, writeCell, writeStepLog } from '../results/test-fixtures.ts';

const suite = handMadeSuite();

async function results() {
  const dir = await mkdtemp(join(tmpdir(), 'scbench-report-'));
  const root = join(dir, 'results');
  const cell = (id: string) => suite.cells.find((c) => c.id === id)!;
  await writeStepLog(await writeCell(root, suite, 'constant', 'completed', climbingMetrics(4, 0.965)), scheduledSteps(cell('constant'), 4));
  // Results from before step logs: the report draws this cell's schedule from its metrics. Resumed after epoch 1.
  const earlierEngine = { backend: 'wasm', kind: 'wasm', packageName: '@tensorflow/tfjs-backend-wasm', version: '4.22.0', reason: 'XNNPACK in WebAssembly, SIMD, 2 threads', threads: 2 } as const;
  const earlierRuns = [{ throughEpoch: 1, startedAt: '2025-12-31T23:00:00.000Z', engine: earlierEngine, gitCommit: 'abc1234' }];
  await writeCell(root, suite, 'cyclical', 'diverged', climbingMetrics(2, 0.9), { divergedAtEpoch: 2, reason: 'loss 1e9 > 4 x reference', earlierRuns });
  await writeStepLog(await writeCell(root, suite, 'one-cycle.seed-1', 'completed', climbingMetrics(4, 0.98)), scheduledSteps(cell('one-cycle.seed-1'), 4));
  await writeStepLog(await writeCell(root, suite, 'one-cycle.seed-2', 'completed', climbingMetrics(4, 0.97)), scheduledSteps(cell('one-cycle.seed-2'), 4));
  await mkdir(join(root, 'hand', 'lr-finder'));
  await writeFile(join(root, 'hand', 'lr-finder', RANGE_TEST_FILES.curve), rangeTestCsv());
  await writeFile(join(root, 'hand', 'lr-finder', RANGE_TEST_FILES.suggestions), JSON.stringify(SUGGESTIONS));
  return { dir, root, out: join(dir, 'report') };
}

const claims: ClaimEvaluator = (r) => [
  {
    id: 'claim-1',
    statement: 'one-cycle ends higher than constant',
    verdict: r.cells[2]!.outcome === 'completed' ? 'reproduced' : 'not run',
    evidence: 'one-cycle 91.41 % vs constant 90.47 % | at epoch 4',
  },
  { id: 'claim-2', statement: 'cyclical ends higher', verdict: 'not reproduced', evidence: 'diverged', noise: 'seeds disagree' },
];

/** The visible text of an HTML element with this id (tags dropped), for asserting on table contents. */
const textOf = (html: string, id: string) =>
  (new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`).exec(html)?.[1] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

test('a report over complete results: self-contained HTML, markdown with PNG charts, every chart file', async () => {
  const w = await results();
  const logged: string[] = [];
  const report = await buildReport({ resultsDirs: [w.root], suite, outDir: w.out, claims, rangeTests: ['lr-finder'], log: (l) => logged.push(l) });
  assert.equal(report.warnings, []);
  assert.equal(logged, []);
  const group = 'simple-mnist.mnist-mini';
  const names = ['summary.best-accuracy', ...['accuracy', 'loss', 'schedule', 'batch-loss'].map((kind) => `${group}.${kind}`), 'range-test.lr-finder'];
  assert.equal(report.charts, names.flatMap((n) => [`charts/${n}.svg`, `charts/${n}.png`]));
  for (const file of report.charts) {
    const bytes = readFileSync(join(w.out, file));
    if (file.endsWith('.png')) assert.equal([...bytes.subarray(1, 4)], [...Buffer.from('PNG')], file);
    else assert.match(bytes.toString(), /^<svg[^>]*>[\s\S]*role-mark[\s\S]*<\/svg>$/, file);
  }

  const html = readFileSync(report.html, 'utf8');
  assert.not.match(html, /<script|<link|<img|\bsrc=|href="https?:/, 'nothing loaded from elsewhere');
  assert.is(html.match(/<figure class="chart"/g)?.length, names.length);
  assert.ok(html.indexOf('id="verdict"') < html.indexOf('id="group-simple-mnist.mnist-mini"'), 'verdict first');
  assert.match(html, /prefers-color-scheme: dark/);
  assert.match(textOf(html, 'claims'), /claim-1 one-cycle ends higher than constant reproduced/);
  assert.match(textOf(html, 'claims'), /claim-2 cyclical ends higher not reproduced diverged seeds disagree/);
  const verdict = textOf(html, 'verdict-table');
  assert.match(verdict, /simple-mnist \/ mnist-mini constant completed 90\.47 % 4 90\.47 % 90 %: 4, 95 %: –, 97 %: – cyclical/);
  assert.match(verdict, /cyclical diverged at epoch 2 67\.50 % 2 67\.50 % 90 %: –, 95 %: –, 97 %: – one-cycle/);
  assert.match(verdict, /one-cycle 2 seeds completed 91\.41 % 4 90\.94 % – 91\.88 % 91\.41 % 90 %: 4, 95 %: –, 97 %: – $/);
  assert.match(textOf(html, 'cells-simple-mnist.mnist-mini'), /one-cycle\.seed-1 completed 91\.88 % \(epoch 4\) 91\.88 % 4\/4 4 \(40\) not reached not reached 8\.0 s 500 wasm \(@tensorflow\/tfjs-backend-wasm 4\.22\.0\)/);
  assert.match(textOf(html, 'range-test-table'), /lr-finder done 20 min-loss: lr 0\.0398 \(lr at the minimum smoothed loss\)/);
  assert.match(textOf(html, 'table-1-table'), /simple CNN CIFAR-10 0\.04 3e-7 0\.9 not in this suite/);
  assert.match(textOf(html, 'environment-table'), /backend wasm \(@tensorflow\/tfjs-backend-wasm 4\.22\.0\) all 4 cells run/);
  assert.match(
    textOf(html, 'environment-table'),
    /earlier run, resumed epochs to 1: started 2025-12-31T23:00:00\.000Z, wasm \(@tensorflow\/tfjs-backend-wasm 4\.22\.0\), 2 threads, git commit abc1234 cyclical runs 2025-12-31T23:00:00\.000Z to /,
  );
  assert.match(html, /<a href="\.\.\/results\/hand\/constant\/metrics\.csv">metrics\.csv<\/a>/);
  assert.match(textOf(html, 'raw-data-table'), /constant completed metrics\.csv steps\.csv run\.json cyclical diverged at epoch 2 metrics\.csv - run\.json/);

  const markdown = readFileSync(report.markdown, 'utf8');
  assert.match(markdown, /Learning rate and momentum of simple-mnist on mnist-mini at every optimizer step, from each cell's step log; cyclical, without one, at the last step of each epoch \(dots\), from the metrics\./);
  assert.match(markdown, /smoothed by the exponential moving average with bias correction that the range test uses \(beta 0\.98\), from each cell's step log\. Not drawn, having no step log: cyclical\./);
  assert.match(markdown, /^# scbench report: suite hand\n/);
  assert.match(markdown, /\| claim-1 \| one-cycle ends higher than constant \| \*\*reproduced\*\* \| one-cycle 91\.41 % vs constant 90\.47 % \\\| at epoch 4 \|/);
  for (const name of names) assert.ok(markdown.includes(`](charts/${name}.png)`), name);
  assert.match(markdown, /\[metrics\.csv\]\(\.\.\/results\/hand\/constant\/metrics\.csv\)/);
  await rm(w.dir, { recursive: true });
});

test('deleted metrics and a corrupt CSV: the report still renders, those cells not run, the CSV named in a warning', async () => {
  const w = await results();
  await rm(join(w.root, 'hand', 'constant', 'metrics.csv'));
  const corrupt = join(w.root, 'hand', 'one-cycle.seed-2', 'metrics.csv');
  await writeFile(corrupt, 'epoch,iteration\n1,10\n');
  const corruptSteps = join(w.root, 'hand', 'one-cycle.seed-1', 'steps.csv');
  await writeFile(corruptSteps, 'iteration,lr,momentum,loss\n0,0.05,0.9,\n');
  const logged: string[] = [];
  const report = await buildReport({ resultsDirs: [w.root, join(w.dir, 'absent')], suite, outDir: w.out, rangeTests: ['lr-finder', 'wd-sweep'], log: (l) => logged.push(l) });
  assert.is(report.warnings.length, 4);
  assert.equal(logged, report.warnings.map((warning) => `warning: ${warning}`));
  assert.match(report.warnings.join('\n'), `${corrupt}: line 1: header is "epoch,iteration"`);
  assert.ok(report.warnings.includes(`${corruptSteps}: line 2: loss is "", not a number; cell one-cycle.seed-1's schedule drawn from its metrics`), report.warnings.join('\n'));
  assert.not.ok(report.charts.includes('charts/simple-mnist.mnist-mini.batch-loss.svg'), 'no cell with a step log left: no batch-loss chart');
  const html = readFileSync(report.html, 'utf8');
  assert.match(textOf(html, 'verdict-table'), /simple-mnist \/ mnist-mini constant not run - - - - cyclical/);
  assert.match(textOf(html, 'verdict-table'), /one-cycle 1 completed, 1 not run 91\.88 % 4/);
  assert.match(textOf(html, 'range-test-table'), /wd-sweep not run 0/);
  assert.match(html, /No claims are evaluated for suite hand/);
  assert.ok(html.includes(corrupt), 'the warning is in the report too');
  await rm(w.dir, { recursive: true });
});

test('nothing run at all: every cell not run, no per-group charts, the summary chart still drawn', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scbench-report-empty-'));
  const report = await buildReport({ resultsDirs: [join(dir, 'results')], suite, outDir: join(dir, 'report'), log: () => {} });
  assert.equal(report.charts, ['charts/summary.best-accuracy.svg', 'charts/summary.best-accuracy.png']);
  const html = readFileSync(report.html, 'utf8');
  assert.match(html, /No cell of this network and dataset has results yet \(not run\)/);
  assert.match(html, /No range tests in these results \(not run\)/);
  await rm(dir, { recursive: true });
});

test('reportCommand resolves the suite like the CLI, merges several results folders and writes reports/<suite>/ by default', async () => {
  const w = await results();
  const shard = join(w.dir, 'shard-2');
  const suiteFile = join(w.dir, 'hand.json');
  await writeFile(suiteFile, HAND_SUITE_JSON);
  const logged: string[] = [];
  const cwd = process.cwd();
  process.chdir(w.dir);
  try {
    const html = await reportCommand({ results: [w.root, shard], suite: suiteFile, log: (l) => logged.push(l) });
    assert.is(html, join(w.dir, 'reports', 'hand', 'index.html'));
    assert.ok(existsSync(html));
  } finally {
    process.chdir(cwd);
  }
  assert.equal(logged, [`warning: results folder ${shard} does not exist`, `report: ${join(w.dir, 'reports', 'hand', 'index.html')} (6 charts, 1 warning(s))`]);
  await rm(w.dir, { recursive: true });
});

test.run();
