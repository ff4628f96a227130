// The report of a small real run, opened in Debian's Chromium from file://: what a reviewer would see.
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
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

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme });
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => request.url() !== pathToFileURL(html).href && problems.push(`request: ${request.url()}`));
      await page.goto(pathToFileURL(html).href);

      const verdict = await page.locator('#verdict-table tbody tr').allInnerTexts();
      assert.equal(verdict.map((row) => row.split('\t')[1]), ['constant', 'one-cycle']);
      for (const row of verdict) assert.match(row, /\tcompleted\t\d+\.\d\d %/);

      const charts = await page.locator('figure.chart').evaluateAll((figures) =>
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
      const group = 'simple-mnist.mnist-mini';
      assert.equal(charts.map((c) => c.id), ['chart-summary.best-accuracy', ...['accuracy', 'loss', 'schedule', 'batch-loss'].map((kind) => `chart-${group}.${kind}`)]);
      for (const chart of charts) {
        assert.ok(chart.width > 200 && chart.height > 150, `${chart.id} is ${chart.width}x${chart.height}`);
        assert.ok(chart.marks > 0, `${chart.id} draws no marks`);
      }
      const screenshot = join(dir, `report-${colorScheme}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`report screenshot (${colorScheme}): ${screenshot}`);
      assert.equal(problems, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test.run();
