// The report's charts as Vega-Lite specs: pure functions from results to specs, rendered by render-chart.ts.
import type { TopLevelSpec } from 'vega-lite';
import { LossSmoother } from '../range-test/smoothing.ts';
import type { CellResult } from '../results/cell-results.ts';
import type { EpochMetrics } from '../results/metrics.ts';
import { policyColor, seriesColors } from './colors.ts';
import { downsampleForDrawing } from './downsample.ts';
import type { RangeTestResult } from '../results/range-test.ts';
import { seriesCurve, type CellGroup } from './series.ts';

export interface ChartSpec {
  /** File stem under charts/, unique in the report. */
  name: string;
  /** One sentence saying what the chart shows (figure caption and alt text). */
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 420;
const HEIGHT = 220;

/** Shared look; colours of text and grid are overridden by the HTML page's colour scheme. */
const CONFIG = {
  font: 'sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', gridColor: '#e3e3e3', domainColor: '#888', tickColor: '#888' },
  legend: {
    orient: 'bottom', direction: 'horizontal', columns: 3, labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal',
    symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolOpacity: 1, symbolSize: 300,
  },
  title: { fontSize: 14, fontWeight: 'bold', subtitleFontSize: 12, anchor: 'start', offset: 8 },
  line: { strokeWidth: 2 },
  text: { fontSize: 12 },
} as const;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Colour by series. The legend leaves out the `<network>.<dataset>.` the chart's title already gives: ids such as
 * `simple.cifar10.constant` and `simple.cifar10.cyclical` would otherwise be cut to the same `simple.cifar10…`.
 */
function seriesColor(group: CellGroup) {
  const colors = seriesColors(group);
  const prefix = JSON.stringify(`${group.slug}.`);
  return {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: [...colors.keys()], range: [...colors.values()] },
    legend: { labelExpr: `indexof(datum.label, ${prefix}) === 0 ? substring(datum.label, length(${prefix})) : datum.label` },
  } as const;
}

const groupTitle = (group: CellGroup) => `${group.network} on ${group.dataset}`;

/**
 * Test (solid) and train (dashed) curves per series, over epochs; a band spans the seeds where there are several.
 * A loss is drawn on a log axis, an accuracy (a fraction) in percent on a linear one.
 */
function trainTestChart(group: CellGroup, what: string, axisTitle: string, metrics: Record<'test' | 'train', (row: EpochMetrics) => number>, logScale: boolean): TopLevelSpec {
  const plotted = (value: number) => (logScale ? value : 100 * value);
  const values = group.series.flatMap((series) =>
    (['test', 'train'] as const).flatMap((split) =>
      seriesCurve(series.cells, metrics[split])
        .filter((p) => !logScale || p.min > 0)
        .map((p) => ({ series: series.label, split, epoch: p.epoch, value: plotted(p.value), low: plotted(p.min), high: plotted(p.max), seeds: p.seeds })),
    ),
  );
  const maxEpoch = Math.max(1, ...group.series.flatMap((s) => s.cells.map((c) => Math.max((c.record?.cell ?? c.cell).epochs, c.metrics.length))));
  const color = seriesColor(group);
  const y = { type: 'quantitative', title: axisTitle, scale: logScale ? ({ type: 'log' } as const) : { zero: false } } as const;
  return {
    $schema: SCHEMA,
    title: { text: groupTitle(group), subtitle: what },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domain: [1, maxEpoch] }, axis: { tickMinStep: 1, format: 'd' } },
      color,
    },
    layer: [
      {
        transform: [{ filter: 'datum.seeds > 1' }],
        mark: { type: 'area', opacity: 0.2 },
        encoding: { y: { ...y, field: 'low' }, y2: { field: 'high' }, detail: { field: 'split' } },
      },
      {
        mark: { type: 'line', point: { size: 24 } },
        encoding: {
          y: { ...y, field: 'value' },
          strokeDash: { field: 'split', type: 'nominal', title: null, scale: { domain: ['test', 'train'], range: [[1, 0], [6, 3]] } },
        },
      },
    ],
  };
}

export function accuracyChart(group: CellGroup): ChartSpec {
  return {
    name: `${group.slug}.accuracy`,
    caption: `Accuracy per epoch of ${groupTitle(group)}: test solid, train dashed; a band spans the seeds where a series has several.`,
    spec: trainTestChart(group, 'test and train accuracy per epoch', 'accuracy (%)', { test: (r) => r.testAccuracy, train: (r) => r.trainAccuracy }, false),
  };
}

export function lossChart(group: CellGroup): ChartSpec {
  return {
    name: `${group.slug}.loss`,
    caption: `Cross-entropy loss per epoch of ${groupTitle(group)} (log scale): test solid, train dashed (train loss includes the weight-decay term).`,
    spec: trainTestChart(group, 'test and train loss per epoch', 'loss (nats, log scale)', { test: (r) => r.testLoss, train: (r) => r.trainLoss }, true),
  };
}

const stepCells = (group: CellGroup) => group.series.flatMap((series) => series.cells.map((result) => ({ series: series.label, result })));

const iterationAxis = { field: 'iteration', type: 'quantitative', title: 'iteration (optimizer steps)', scale: { domainMin: 0 } } as const;

/** A per-step curve thinned to what the chart can draw: about four points per bucket, one bucket per pixel column. */
const forDrawing = <T extends { iteration: number }>(points: readonly T[], value: (point: T) => number) =>
  downsampleForDrawing(points, (p) => p.iteration, value, WIDTH);

const cellList = (results: readonly CellResult[]) => results.map((r) => r.cell.id).join(', ');

/**
 * The lr and momentum every cell trained with: at every step from its step log, or, for a cell without one, at
 * the last step of each epoch from its metrics (drawn with dots).
 */
export function scheduleChart(group: CellGroup): ChartSpec {
  const cells = stepCells(group);
  const fromEpochs = cells.filter(({ result }) => !result.steps && result.metrics.length > 0);
  const values = (field: 'lr' | 'momentum') =>
    cells.flatMap(({ series, result }) =>
      result.steps
        ? forDrawing(result.steps, (step) => step[field]).map((step) => ({ series, cell: result.cell.id, source: 'steps', iteration: step.iteration, value: step[field] }))
        : result.metrics.map((row) => ({ series, cell: result.cell.id, source: 'epochs', iteration: row.iteration, value: row[field] })),
    );
  const color = seriesColor(group);
  const panel = (field: 'lr' | 'momentum', title: string, scale: (plotted: readonly { value: number }[]) => object, format: string) => {
    const plotted = values(field);
    const y = { field: 'value', type: 'quantitative', title, scale: scale(plotted), axis: { format, tickCount: 5 } } as const;
    const layer = (source: string, mark: { type: 'line'; strokeWidth?: number; point?: { size: number } }) => ({
      transform: [{ filter: `datum.source === '${source}'` }],
      mark,
      encoding: { x: iterationAxis, y, color, detail: { field: 'cell' } },
    });
    return { width: WIDTH, height: 110, data: { values: plotted }, layer: [layer('steps', { type: 'line', strokeWidth: 1.5 }), layer('epochs', { type: 'line', point: { size: 24 } })] };
  };
  // A constant momentum would collapse its axis to one value: show at least 0.8 to 0.95.
  const momentumScale = (plotted: readonly { value: number }[]) => ({ domain: [Math.min(0.8, ...plotted.map((v) => v.value)), Math.max(0.95, ...plotted.map((v) => v.value))] });
  const everyStep = fromEpochs.length === 0;
  const drawn = everyStep
    ? "at every optimizer step, from each cell's step log"
    : !cells.some(({ result }) => result.steps) ? "at the last step of each epoch, from each cell's metrics: these results have no step log"
    : `at every optimizer step, from each cell's step log; ${cellList(fromEpochs.map((c) => c.result))}, without one, at the last step of each epoch (dots), from the metrics`;
  return {
    name: `${group.slug}.schedule`,
    caption: `Learning rate and momentum of ${groupTitle(group)} ${drawn}.`,
    spec: {
      $schema: SCHEMA,
      title: { text: groupTitle(group), subtitle: everyStep ? 'learning rate and momentum at every step' : 'learning rate and momentum (dots: at epoch ends only)' },
      config: CONFIG,
      vconcat: [panel('lr', 'learning rate', () => ({ zero: true }), '~g'), panel('momentum', 'momentum', momentumScale, '.2f')],
    },
  };
}

/** The batch-loss chart smooths as the range test does, with its default beta (fastai's too). */
const BATCH_LOSS_SMOOTHING = new LossSmoother().beta;

/** Every cell's training loss per batch, smoothed, on a log axis; cells without a step log are left out (named in the caption). */
export function batchLossChart(group: CellGroup): ChartSpec {
  const cells = stepCells(group);
  const values = cells.flatMap(({ series, result }) => {
    if (!result.steps) return [];
    const smoother = new LossSmoother(BATCH_LOSS_SMOOTHING);
    const smoothed = result.steps.map((step) => ({ iteration: step.iteration, loss: smoother.add(step.loss) })).filter((p) => Number.isFinite(p.loss) && p.loss > 0);
    return forDrawing(smoothed, (p) => p.loss).map((p) => ({ series, cell: result.cell.id, ...p }));
  });
  const missing = cells.filter(({ result }) => !result.steps && result.metrics.length > 0).map((c) => c.result);
  return {
    name: `${group.slug}.batch-loss`,
    caption:
      `Training loss of every batch of ${groupTitle(group)} (log scale, weight-decay term included), smoothed by the exponential moving average ` +
      `with bias correction that the range test uses (beta ${BATCH_LOSS_SMOOTHING}), from each cell's step log.` +
      (missing.length > 0 ? ` Not drawn, having no step log: ${cellList(missing)}.` : ''),
    spec: {
      $schema: SCHEMA,
      title: { text: groupTitle(group), subtitle: `smoothed training loss per batch (EMA, beta ${BATCH_LOSS_SMOOTHING})` },
      width: WIDTH,
      height: HEIGHT,
      config: CONFIG,
      data: { values },
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: iterationAxis,
        y: { field: 'loss', type: 'quantitative', title: 'loss (nats, log scale)', scale: { type: 'log', nice: false } },
        color: seriesColor(group),
        detail: { field: 'cell' },
      },
    },
  };
}

/** Best test accuracy of every cell of the suite, one row of bars per network x dataset. */
export function summaryChart(groups: readonly CellGroup[]): ChartSpec {
  const values = groups.flatMap((group) =>
    group.series.flatMap((series) =>
      series.cells.map((result) => {
        const best = bestTestAccuracy(result);
        return {
          group: groupTitle(group),
          cell: result.cell.id,
          policy: series.policy,
          best: best === undefined ? null : 100 * best,
          labelAt: best === undefined ? 0 : 100 * best,
          label: best === undefined ? result.outcome : `${(100 * best).toFixed(1)} %${result.outcome === 'completed' ? '' : ` (${result.outcome})`}`,
        };
      }),
    ),
  );
  const policies = [...new Set(values.map((v) => v.policy))];
  const color = { field: 'policy', type: 'nominal', title: 'policy', scale: { domain: policies, range: policies.map(policyColor) }, legend: { symbolType: 'square' } } as const;
  return {
    name: 'summary.best-accuracy',
    caption: 'Best test accuracy of every cell, grouped by network and dataset; cells without results are labelled.',
    spec: {
      $schema: SCHEMA,
      title: 'Best test accuracy per cell',
      config: CONFIG,
      // One panel per network x dataset; only the last one labels the shared accuracy axis.
      vconcat: groups.map((group, index) => ({
        title: { text: groupTitle(group), fontSize: 13, frame: 'group' },
        width: WIDTH,
        height: { step: 20 },
        data: { values: values.filter((v) => v.group === groupTitle(group)) },
        encoding: {
          y: { field: 'cell', type: 'nominal', title: null, sort: null, axis: { labelLimit: 320 } },
          x: {
            field: 'best',
            type: 'quantitative',
            title: index === groups.length - 1 ? 'best test accuracy (%)' : null,
            scale: { domain: [0, 100] },
            axis: index === groups.length - 1 ? {} : { labels: false, ticks: false },
          },
        },
        layer: [
          { mark: { type: 'bar' }, encoding: { color } },
          { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { x: { field: 'labelAt', type: 'quantitative' }, text: { field: 'label' } } },
        ],
      })),
    },
  };
}

function bestTestAccuracy(result: CellResult): number | undefined {
  const finite = result.metrics.map((r) => r.testAccuracy).filter(Number.isFinite);
  return finite.length > 0 ? Math.max(...finite) : undefined;
}

const KINDS = ['smoothed loss', 'loss', 'validation loss'];

/** Loss against lr (log axis), smoothed loss bold, raw loss thin, validation loss dashed, suggestions as rules. */
export function rangeTestChart(test: RangeTestResult): ChartSpec {
  // A sweep's curves are named by the parameter that varies between them.
  const varies = (key: 'momentum' | 'weightDecay') => new Set(test.points.map((p) => p[key])).size > 1;
  const curveOf = (p: { momentum: number; weightDecay: number }) =>
    [varies('momentum') ? `momentum ${p.momentum}` : '', varies('weightDecay') ? `weight decay ${p.weightDecay}` : ''].filter(Boolean).join(', ') || 'loss';
  const curves = [...new Set(test.points.map(curveOf))];
  const series = test.points.flatMap((p) => [
    { curve: curveOf(p), kind: 'smoothed loss', lr: p.lr, loss: p.smoothedLoss },
    { curve: curveOf(p), kind: 'loss', lr: p.lr, loss: p.loss },
    ...(p.validationLoss === null ? [] : [{ curve: curveOf(p), kind: 'validation loss', lr: p.lr, loss: p.validationLoss }]),
  ]).filter((v) => Number.isFinite(v.loss) && v.lr > 0);
  const suggestions = (test.suggestions?.suggestions ?? []).map((s) => ({ ...s, text: `${s.name}: ${Number(s.lr.toPrecision(3))}` }));
  const x = { field: 'lr', type: 'quantitative', title: 'learning rate (log scale)', scale: { type: 'log' } } as const;
  return {
    name: `range-test.${test.id}`,
    caption: `Range test ${test.id}: loss against learning rate; the vertical rules mark the suggested learning rates.`,
    spec: {
      $schema: SCHEMA,
      title: `Range test ${test.id}`,
      width: WIDTH,
      height: HEIGHT,
      config: CONFIG,
      layer: [
        {
          data: { values: series },
          mark: { type: 'line', clip: true },
          encoding: {
            x,
            y: { field: 'loss', type: 'quantitative', title: 'training loss (nats)', scale: { zero: false } },
            color: { field: 'curve', type: 'nominal', title: null, legend: curves.length > 1 ? { orient: 'right', direction: 'vertical', columns: 1 } : null },
            // One legend for both channels: same field, same title.
            strokeDash: { field: 'kind', type: 'ordinal', title: null, sort: KINDS, scale: { domain: KINDS, range: [[1, 0], [1, 0], [5, 3]] } },
            strokeWidth: { field: 'kind', type: 'ordinal', title: null, sort: KINDS, scale: { domain: KINDS, range: [2.5, 0.8, 1.5] } },
          },
        },
        {
          data: { values: suggestions },
          layer: [
            { mark: { type: 'rule', strokeDash: [2, 2], color: '#888' }, encoding: { x } },
            { mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dy: -2, y: 4 }, encoding: { x, text: { field: 'text' } } },
          ],
        },
      ],
    },
  };
}
