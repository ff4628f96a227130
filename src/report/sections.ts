// The report's sections, from the results read and the charts rendered: the verdict first, then one section per
// network x dataset, range tests, Table 1, the environment and the raw data.
import { join, relative } from 'node:path';
import { policySummary } from '../suite/table.ts';
import type { ClaimVerdict } from '../claims/evaluate.ts';
import type { EngineInfo } from '../engine/backend.ts';
import type { CellResult, SuiteResults } from '../results/cell-results.ts';
import { RANGE_TEST_FILES, type RangeTestResult } from '../results/range-test.ts';
import type { Block, Inline, ReportDocument, Section, Span, Table } from './document.ts';
import { duration, number, percent, rate } from './format.ts';
import type { RenderedChart } from './render-chart.ts';
import { bestPoint, firstReaching, seriesCurve, testAccuracy, type CellGroup, type Series } from './series.ts';
import { scheduleRanges, table1 } from './table1.ts';

export interface DocumentInput {
  results: SuiteResults;
  groups: CellGroup[];
  /** Absent when no claims are evaluated for the suite. */
  claims?: readonly ClaimVerdict[];
  warnings: readonly string[];
  charts: { summary: RenderedChart; groups: Map<string, RenderedChart[]>; rangeTests: Map<string, RenderedChart> };
  targets: (dataset: string) => readonly number[];
  resultsDirs: readonly string[];
  /** Links to result files are made relative to it. */
  reportDir: string;
}

export function buildDocument(input: DocumentInput): ReportDocument {
  const { suite } = input.results;
  return {
    title: `scbench report: suite ${suite.name}`,
    lead: suite.description,
    sections: [
      verdictSection(input),
      ...input.groups.map((group) => groupSection(group, input)),
      rangeTestSection(input),
      { id: 'table-1', title: 'Table 1 of the paper and the hyper-parameters used', blocks: table1Blocks(input) },
      environmentSection(input.results.cells),
      rawDataSection(input),
    ],
  };
}

const pct = (target: number) => `${Number((100 * target).toFixed(2))} %`;

function outcomeSpan(result: CellResult): Span {
  switch (result.outcome) {
    case 'completed': {
      const spikes = result.record?.lossSpikes ?? [];
      if (spikes.length === 0) return { text: 'completed', tone: 'good' };
      return { text: `completed through ${spikes.length} loss spike${spikes.length === 1 ? '' : 's'} (the first at epoch ${spikes[0]!.epoch})`, tone: 'warn' };
    }
    case 'diverged':
      return { text: `diverged at epoch ${result.record?.divergedAtEpoch ?? '?'}`, tone: 'bad' };
    case 'failed':
      return { text: `failed${result.record?.reason ? `: ${result.record.reason}` : ''}`, tone: 'bad' };
    case 'running':
      return { text: `running or interrupted after epoch ${result.metrics.length}`, tone: 'warn' };
    case 'not run':
      return { text: 'not run', tone: 'muted' };
  }
}

/** "completed" when all seeds agree, else "2 completed, 1 diverged at epoch 3". */
function seriesOutcome(series: Series): Span {
  const spans = series.cells.map(outcomeSpan);
  const texts = [...new Set(spans.map((s) => s.text))];
  if (texts.length === 1) return { ...spans[0]!, text: series.cells.length > 1 ? `${series.cells.length} seeds ${texts[0]}` : texts[0]! };
  const count = (text: string) => spans.filter((s) => s.text === text).length;
  return { text: texts.map((t) => `${count(t)} ${t}`).join(', '), tone: 'warn' };
}

function verdictSection(input: DocumentInput): Section {
  const { cells } = input.results;
  const counts = new Map<string, number>();
  for (const c of cells) counts.set(c.outcome, (counts.get(c.outcome) ?? 0) + 1);
  const blocks: Block[] = [
    { kind: 'paragraph', content: [`${cells.length} cells: `, [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', '), `. Backend: ${distinctValues(cells, backendOf).join('; ') || 'none (nothing run)'}.`] },
  ];
  if (input.claims === undefined) {
    blocks.push({ kind: 'paragraph', content: [{ text: `No claims are evaluated for suite ${input.results.suite.name}; the outcome per policy follows.`, tone: 'muted' }] });
  } else {
    blocks.push({ kind: 'table', table: claimsTable(input.claims) });
  }
  blocks.push(
    { kind: 'paragraph', content: ['Outcome per series (a series: the seeds of one configuration; their mean where several); ', { text: 'bold', strong: true }, ': the best of its network and dataset.'] },
    { kind: 'table', table: outcomeTable(input) },
    { kind: 'charts', charts: [input.charts.summary] },
  );
  if (input.warnings.length > 0) {
    blocks.push({ kind: 'paragraph', content: [{ text: `Warnings (${input.warnings.length}): these results were skipped or need a look.`, tone: 'warn', strong: true }] });
    blocks.push({ kind: 'list', items: input.warnings.map((w) => [w]) });
  }
  return { id: 'verdict', title: 'Verdict at a glance', blocks };
}

function claimsTable(claims: readonly ClaimVerdict[]): Table {
  const tone = { reproduced: 'good', 'not reproduced': 'bad', 'not run': 'muted', 'not comparable': 'warn' } as const;
  return {
    id: 'claims',
    headers: ['claim', 'statement', 'verdict', 'evidence', 'noise', 'data'],
    rows: claims.map((c) => [
      c.id,
      c.statement,
      { text: c.comparability ? `${c.verdict}: ${c.comparability}` : c.verdict, tone: tone[c.verdict], strong: true },
      c.evidence,
      c.noise ?? '',
      c.data ?? '',
    ]),
    wrap: [1, 2, 3, 4, 5],
  };
}

/**
 * One row per series: how it ended, its best and final test accuracy (mean over its seeds, with their range) and
 * the first epoch its test accuracy reached each target. The best series of each network x dataset is in bold.
 */
function outcomeTable(input: DocumentInput): Table {
  const rows: Inline[][] = [];
  for (const group of input.groups) {
    const summaries = group.series.map((series) => {
      const curve = seriesCurve(series.cells, testAccuracy);
      return { series, curve, best: bestPoint(curve) };
    });
    const top = Math.max(...summaries.map((s) => s.best?.value ?? -Infinity));
    const targets = input.targets(group.dataset);
    summaries.forEach(({ series, curve, best }, index) => {
      const isTop = best !== undefined && best.value === top && summaries.length > 1;
      rows.push([
        index === 0 ? `${group.network} / ${group.dataset}` : '',
        { text: series.label, strong: isTop },
        seriesOutcome(series),
        best ? { text: percent(best.value), strong: isTop } : '-',
        best ? String(best.epoch) : '-',
        best && best.seeds > 1 ? `${percent(best.min)} – ${percent(best.max)}` : '',
        percent(curve.at(-1)?.value),
        curve.length > 0 ? targets.map((t) => `${pct(t)}: ${firstReaching(curve, t)?.epoch ?? '–'}`).join(', ') : '-',
      ]);
    });
  }
  return {
    id: 'verdict-table',
    headers: ['network / dataset', 'series', 'status', 'best test accuracy', 'epoch', 'seed range', 'final', 'first epoch at'],
    rows,
    numeric: [3, 4, 5, 6],
    wrap: [2],
  };
}

function groupSection(group: CellGroup, input: DocumentInput): Section {
  const targets = input.targets(group.dataset);
  const cells = group.series.flatMap((s) => s.cells);
  const outcome: Table = {
    id: `cells-${group.slug}`,
    headers: ['cell', 'status', 'best test accuracy', 'final test accuracy', 'epochs', ...targets.map((t) => `epoch (iteration) to ${pct(t)}`), 'train + test time', 'train images/s', 'backend'],
    rows: cells.map((result) => {
      const curve = seriesCurve([result], testAccuracy);
      const best = bestPoint(curve);
      const perSecond = result.metrics.map((m) => m.imagesPerSecond).filter(Number.isFinite);
      return [
        result.cell.id,
        outcomeSpan(result),
        best ? `${percent(best.value)} (epoch ${best.epoch})` : '-',
        percent(curve.at(-1)?.value),
        `${result.metrics.length}/${(result.record?.cell ?? result.cell).epochs}`,
        ...targets.map((t) => {
          const reached = firstReaching(curve, t);
          return reached ? `${reached.epoch} (${reached.iteration})` : result.metrics.length > 0 ? { text: 'not reached', tone: 'muted' as const } : '-';
        }),
        duration(result.record?.trainingSeconds),
        rate(perSecond.length > 0 ? perSecond.reduce((a, b) => a + b, 0) / perSecond.length : undefined),
        result.record ? backendOf(result) : '-',
      ];
    }),
    numeric: [2, 3, 4, ...targets.map((_, i) => 5 + i), 5 + targets.length, 6 + targets.length],
    wrap: [1],
  };
  const hyperParameters: Table = {
    id: `hyper-parameters-${group.slug}`,
    headers: ['cell', 'policy as run', 'lr over the run', 'momentum over the run', 'weight decay', 'batch', 'epochs', 'seed'],
    rows: cells.map((result) => {
      const cell = result.record?.cell ?? result.cell;
      const ranges = scheduleRanges(cell, result.metrics[0] && result.metrics[0].iteration * cell.epochs);
      return [result.cell.id, policySummary(cell), ranges.lr, ranges.momentum, number(cell.weightDecay), String(cell.batchSize), String(cell.epochs), String(cell.seed)];
    }),
    numeric: [4, 5, 6, 7],
    wrap: [1],
  };
  const described = cells.filter((c) => c.cell.description);
  return {
    id: `group-${group.slug}`,
    title: `${group.network} on ${group.dataset}`,
    blocks: [
      input.charts.groups.has(group.slug)
        ? { kind: 'charts', charts: input.charts.groups.get(group.slug)! }
        : { kind: 'paragraph', content: [{ text: 'No cell of this network and dataset has results yet (not run).', tone: 'muted' }] },
      { kind: 'table', table: outcome },
      { kind: 'paragraph', content: ['Hyper-parameters as each cell ran them (the suite\'s declaration where a cell has not run):'] },
      { kind: 'table', table: hyperParameters },
      ...(described.length > 0 ? [{ kind: 'list' as const, items: described.map((c) => [{ text: `${c.cell.id}: `, strong: true }, c.cell.description!]) }] : []),
    ],
  };
}

function rangeTestSection(input: DocumentInput): Section {
  const tests = input.results.rangeTests;
  const blocks: Block[] =
    tests.length === 0
      ? [{ kind: 'paragraph', content: [{ text: 'No range tests in these results (not run).', tone: 'muted' }] }]
      : [
          { kind: 'table', table: rangeTestTable(tests, input.reportDir) },
          { kind: 'charts', charts: tests.flatMap((t) => input.charts.rangeTests.get(t.id) ?? []) },
        ];
  return { id: 'range-tests', title: 'Range tests', blocks };
}

function rangeTestTable(tests: readonly RangeTestResult[], reportDir: string): Table {
  const statusTone = { done: 'good', 'in progress': 'warn', 'not run': 'muted' } as const;
  return {
    id: 'range-test-table',
    headers: ['range test', 'status', 'steps', 'suggestions (rule)', 'sweep pick', 'data'],
    rows: tests.map((test) => [
      test.id,
      { text: test.status, tone: statusTone[test.status] },
      String(test.points.length),
      (test.suggestions?.suggestions ?? []).map((s) => `${s.name}: lr ${number(s.lr)} (${s.rule})`).join('; ') || '-',
      test.suggestions?.sweepPick ? `${test.suggestions.sweepPick.parameter} ${number(test.suggestions.sweepPick.value)} (${test.suggestions.sweepPick.rule})` : '-',
      test.dir ? { text: 'CSV', href: relative(reportDir, join(test.dir, RANGE_TEST_FILES.curve)) } : '-',
    ]),
    wrap: [3, 4],
  };
}

function table1Blocks(input: DocumentInput): Block[] {
  return [
    {
      kind: 'paragraph',
      content: [
        'The paper trains every row under three policies: constant at the row\'s lr; cyclical from a quarter of it to it; one-cycle starting at it and peaking at ten times it. ',
        'The columns on the right are evaluated from the schedules of this suite\'s cells for that row.',
      ],
    },
    { kind: 'table', table: table1(input.results.cells) },
  ];
}

const engineText = (engine: EngineInfo) => `${engine.kind}${engine.adapter ? ` on ${engine.adapter.description}` : ''} (${engine.packageName} ${engine.version})`;
const backendOf = (result: CellResult) => engineText(result.record!.engine);

const hostOf = (result: CellResult) => {
  const host = result.record!.host;
  return `${host.cpuModel}, ${host.cpus} cores, ${host.memoryGiB} GiB, ${host.platform}/${host.arch}`;
};

/** The distinct values of a property over the cells that ran. */
function distinctValues(cells: readonly CellResult[], value: (result: CellResult) => string): string[] {
  return [...new Set(cells.filter((c) => c.record).map(value))];
}

/** One row per property; a property that differs between cells gets one row per value, naming its cells. */
function environmentSection(cells: readonly CellResult[]): Section {
  const ran = cells.filter((c) => c.record);
  if (ran.length === 0) return { id: 'environment', title: 'Environment', blocks: [{ kind: 'paragraph', content: [{ text: 'No cell has run.', tone: 'muted' }] }] };
  const versionNames = [...new Set(ran.flatMap((c) => Object.keys(c.record!.versions)))].sort();
  const properties: [string, (result: CellResult) => string][] = [
    ['backend', backendOf],
    ['host', hostOf],
    ['git commit', (c) => c.record!.gitCommit ?? 'unknown (not a git checkout)'],
    ...versionNames.map((name): [string, (result: CellResult) => string] => [name, (c) => c.record!.versions[name] ?? 'not installed']),
  ];
  const rows: Inline[][] = [];
  for (const [property, value] of properties) {
    const byValue = new Map<string, string[]>();
    for (const c of ran) byValue.set(value(c), [...(byValue.get(value(c)) ?? []), c.cell.id]);
    for (const [text, ids] of byValue) rows.push([property, text, byValue.size === 1 ? `all ${ran.length} cells run` : ids.join(', ')]);
  }
  for (const c of ran) {
    for (const run of c.record!.earlierRuns ?? []) {
      const threads = run.engine.threads === null ? '' : `, ${run.engine.threads} thread${run.engine.threads === 1 ? '' : 's'}`;
      rows.push(['earlier run, resumed', `epochs to ${run.throughEpoch}: started ${run.startedAt}, ${engineText(run.engine)}${threads}, git commit ${run.gitCommit ?? 'unknown'}`, c.cell.id]);
    }
  }
  const started = ran.map((c) => c.record!.earlierRuns?.[0]?.startedAt ?? c.record!.startedAt).sort()[0]!;
  const ended = ran.map((c) => c.record!.endedAt).filter((t): t is string => t !== undefined).sort().at(-1);
  rows.push(['runs', `${started} to ${ended ?? 'unfinished'}`, `all ${ran.length} cells run`]);
  return { id: 'environment', title: 'Environment', blocks: [{ kind: 'table', table: { id: 'environment-table', headers: ['property', 'value', 'cells'], rows, wrap: [2] } }] };
}

function rawDataSection(input: DocumentInput): Section {
  const link = (file: string, text: string): Span => ({ text, href: relative(input.reportDir, file) });
  return {
    id: 'raw-data',
    title: 'Raw data',
    blocks: [
      { kind: 'paragraph', content: [`Results read from ${input.resultsDirs.map((dir) => relative(input.reportDir, dir) || '.').join(', ')} (relative to this report). Per-epoch metrics (CSV), per-step log (CSV) and run record (JSON) of every cell:`] },
      {
        kind: 'table',
        table: {
          id: 'raw-data-table',
          headers: ['cell', 'status', 'metrics', 'step log', 'run record'],
          rows: input.results.cells.map((c) => [
            c.cell.id,
            outcomeSpan(c),
            c.files ? link(c.files.metrics, 'metrics.csv') : '-',
            c.files && c.steps ? link(c.files.steps, 'steps.csv') : '-',
            c.files ? link(c.files.run, 'run.json') : '-',
          ]),
        },
      },
    ],
  };
}
