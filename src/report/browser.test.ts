// Reports opened in Debian's Chromium from file://, what a reviewer would see: that of a small real run, and that of
// the committed reference results.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { predicateCells } from '../suite/claims.ts';
import { cellFiles, readRunRecord } from '../results/run-record.ts';
import { openSuite, trainingSuite } from '../suite/index.ts';
import { reportCommand } from './index.ts';

const scbench = fileURLToPath(new URL('../../bin/scbench', import.meta.url));

// Two policies on simple-mnist over the first 1,000 embedded digits, one worker each: about 15 s an epoch on wasm.
const suite = {
  name: 'tiny-report',
  description: 'Browser test of the report: constant and one-cycle, two epochs each, on 1,000 real MNIST digits.',
  defaults: { network: 'simple-mnist', dataset: 'mnist-mini', epochs: 2, batchSize: 100, seed: 1, weightDecay: 5e-4 },
  cells: [
    { id: 'constant', policy: { name: 'constant', lr: 0.05, momentum: 0.9 } },
    { id: 'one-cycle', policy: { name: 'one-cycle', maxLr: 0.3, maxMomentum: 0.9, minMomentum: 0.85 } },
  ],
};

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

test('the report of a real run opens in Chromium: verdict table, every chart drawn, nothing fetched, no console errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scbench-report-browser-'));
  const suiteFile = join(dir, 'tiny-report.json');
  await writeFile(suiteFile, JSON.stringify(suite));
  const run = spawnSync(scbench, ['run', '--suite', suiteFile, '--out', join(dir, 'results'), '--backend', 'wasm', '--no-report'], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const logged: string[] = [];
  const html = await reportCommand({ results: [join(dir, 'results')], suite: suiteFile, out: join(dir, 'report'), log: (line) => logged.push(line) });
  assert.equal(logged.filter((line) => line.startsWith('warning')), []);

  await inChromium(html, dir, async (page) => {
    const verdict = await page.locator('#verdict-table tbody tr').allInnerTexts();
    assert.equal(verdict.map((row) => row.split('\t')[1]), ['constant', 'one-cycle']);
    for (const row of verdict) assert.match(row, /\tcompleted\t\d+\.\d\d %/);
    assertChartsDrawn(await drawnCharts(page), ['simple-mnist.mnist-mini']);
  });
});

test('the committed reference results (reference/paper) give verdicts and their report opens in Chromium', async () => {
  if (!existsSync(REFERENCE)) {
    console.log(`  skipped: ${REFERENCE} is absent`);
    return;
  }
  const paper = trainingSuite(openSuite('paper'));
  const finished = new Set<string>();
  for (const cell of paper.cells) {
    const status = (await readRunRecord(cellFiles(REFERENCE, paper.name, cell.id)))?.status;
    if (status === 'completed' || status === 'diverged') finished.add(cell.id);
  }
  // A claim whose cells all finished must be decided; the folder must decide at least one.
  const decidable = paper.claims!.filter((claim) => claim.all.flatMap(predicateCells).every(({ cell }) => finished.has(cell))).map((claim) => claim.id);
  assert.ok(decidable.length > 0, `no claim of suite paper has all its cells finished in ${REFERENCE}`);
  const groups = [...new Set(paper.cells.filter((cell) => finished.has(cell.id)).map((cell) => `${cell.network}.${cell.dataset}`))];

  const dir = await mkdtemp(join(tmpdir(), 'scbench-reference-report-'));
  const logged: string[] = [];
  const html = await reportCommand({ results: [REFERENCE], suite: 'paper', out: join(dir, 'report'), log: (line) => logged.push(line) });
  assert.equal(logged.filter((line) => line.startsWith('warning')), []);

  await inChromium(html, dir, async (page) => {
    const claims = await page.locator('#claims tbody tr').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')));
    assert.equal(claims.map(([id]) => id), paper.claims!.map((claim) => claim.id));
    for (const [id, , verdict] of claims) {
      if (decidable.includes(id)) assert.match(verdict, /^(reproduced|not reproduced)$/, `${id}: ${verdict}`);
    }
    assertChartsDrawn(await drawnCharts(page), groups);
  });
});

const REFERENCE = fileURLToPath(new URL('../../reference/paper', import.meta.url));
const CHART_KINDS = ['accuracy', 'loss', 'schedule', 'batch-loss'];

/**
 * Opens the report in light and dark mode and runs `check` on each page; then asserts that nothing was fetched and
 * nothing went to the console as an error, and saves a screenshot into `dir`.
 */
async function inChromium(html: string, dir: string, check: (page: Page) => Promise<void>): Promise<void> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme });
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => request.url() !== pathToFileURL(html).href && problems.push(`request: ${request.url()}`));
      await page.goto(pathToFileURL(html).href);
      await check(page);
      const screenshot = join(dir, `report-${colorScheme}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`report screenshot (${colorScheme}): ${screenshot}`);
      assert.equal(problems, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

interface DrawnChart {
  id: string;
  width: number;
  height: number;
  marks: number;
}

async function drawnCharts(page: Page): Promise<DrawnChart[]> {
  return page.locator('figure.chart').evaluateAll((figures) =>
    figures.map((figure) => {
      const svg = figure.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      // Drawn marks: elements of vega's mark groups with a visible extent.
      const marks = [...(svg?.querySelectorAll('.role-mark > *') ?? [])].filter((mark) => {
        const extent = (mark as SVGGraphicsElement).getBBox();
        return extent.width > 0 || extent.height > 0;
      });
      return { id: figure.id, width: box?.width ?? 0, height: box?.height ?? 0, marks: marks.length };
    }),
  );
}

/** The summary chart, then each network.dataset group's four, all of a visible size and with marks drawn. */
function assertChartsDrawn(charts: DrawnChart[], groups: readonly string[]): void {
  assert.equal(charts.map((c) => c.id), ['chart-summary.best-accuracy', ...groups.flatMap((group) => CHART_KINDS.map((kind) => `chart-${group}.${kind}`))]);
  for (const chart of charts) {
    assert.ok(chart.width > 200 && chart.height > 150, `${chart.id} is ${chart.width}x${chart.height}`);
    assert.ok(chart.marks > 0, `${chart.id} draws no marks`);
  }
}

test.run();
