// The report of a suite: reads its results from one or more results folders (shards merged) and writes
// index.html (self-contained), index.md and charts/*.svg|png. Reads only files on disk, so it runs anywhere the
// results were copied to.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetDescriptor, DEFAULT_ACCURACY_TARGETS } from '../data/datasets.ts';
import type { ClaimVerdict } from '../claims/evaluate.ts';
import { readCellResults, type SuiteResults } from '../results/cell-results.ts';
import { readRangeTests } from '../results/range-test.ts';
import type { Suite } from '../suite/index.ts';
import { accuracyChart, batchLossChart, lossChart, rangeTestChart, scheduleChart, summaryChart } from './charts.ts';
import { toHtml } from './html.ts';
import { toMarkdown } from './markdown.ts';
import { CHARTS_FOLDER, renderChart, type RenderedChart } from './render-chart.ts';
import { buildDocument } from './sections.ts';
import { groupCells } from './series.ts';

/** Verdicts of the claims that concern a suite, computed from the results the report read. */
export type ClaimEvaluator = (results: SuiteResults) => readonly ClaimVerdict[];

export interface ReportOptions {
  /** Folders each holding <suite>/<cell-id>/ (several: shards from several machines). */
  resultsDirs: readonly string[];
  suite: Suite;
  /** The report folder: index.html, index.md, charts/. */
  outDir: string;
  /** Verdicts of the suite's claims; without it the report says no claims are evaluated. */
  claims?: ClaimEvaluator;
  /** Ids of the range tests the suite declares: those without results show as not run. */
  rangeTests?: readonly string[];
  /** Test-accuracy targets (fractions) per dataset name, over those the data sets' descriptors declare. */
  accuracyTargets?: Readonly<Record<string, readonly number[]>>;
  /** Where warnings are printed as they are found (default: stderr). */
  log?: (line: string) => void;
}

export interface Report {
  html: string;
  markdown: string;
  /** Chart files written, relative to outDir. */
  charts: string[];
  /** Results that were skipped or need a look, each naming its file; also printed through `log`. */
  warnings: string[];
  results: SuiteResults;
}

export async function buildReport(options: ReportOptions): Promise<Report> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { suite, outDir } = options;
  const warnings: string[] = [];
  for (const dir of options.resultsDirs) {
    if (!existsSync(dir)) warnings.push(`results folder ${dir} does not exist`);
  }
  const results: SuiteResults = {
    suite,
    cells: await readCellResults(options.resultsDirs, suite.name, suite.cells, warnings),
    rangeTests: await readRangeTests(options.resultsDirs, suite.name, options.rangeTests ?? [], warnings),
  };
  for (const warning of warnings) log(`warning: ${warning}`);
  const groups = groupCells(results.cells);

  await rm(join(outDir, CHARTS_FOLDER), { recursive: true, force: true });
  const render = (chart: Parameters<typeof renderChart>[0]) => renderChart(chart, outDir);
  const withResults = groups.filter((group) => group.series.some((s) => s.cells.some((c) => c.metrics.length > 0)));
  const charts = {
    summary: await render(summaryChart(groups)),
    groups: new Map(
      await Promise.all(
        withResults.map(async (group) => {
          const withSteps = group.series.some((s) => s.cells.some((c) => c.steps));
          const charts = [accuracyChart(group), lossChart(group), scheduleChart(group), ...(withSteps ? [batchLossChart(group)] : [])];
          return [group.slug, await Promise.all(charts.map(render))] as const;
        }),
      ),
    ),
    rangeTests: new Map(
      await Promise.all(results.rangeTests.filter((t) => t.points.length > 0).map(async (test) => [test.id, await render(rangeTestChart(test))] as const)),
    ),
  };

  const targets = (dataset: string) => options.accuracyTargets?.[dataset] ?? datasetDescriptor(dataset)?.accuracyTargets ?? DEFAULT_ACCURACY_TARGETS;
  const document = buildDocument({
    results,
    groups,
    claims: options.claims?.(results),
    warnings,
    charts,
    targets,
    resultsDirs: options.resultsDirs,
    reportDir: outDir,
  });
  const html = join(outDir, 'index.html');
  const markdown = join(outDir, 'index.md');
  await mkdir(outDir, { recursive: true });
  await writeFile(html, toHtml(document));
  await writeFile(markdown, toMarkdown(document));
  const rendered: RenderedChart[] = [charts.summary, ...[...charts.groups.values()].flat(), ...charts.rangeTests.values()];
  return { html, markdown, charts: rendered.flatMap((c) => [c.svgFile, c.pngFile]), warnings, results };
}
