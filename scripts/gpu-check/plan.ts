// What the GPU check measures and how it reports it: the shapes (the five of the throughput table and every
// shape the paper grid trains), the grid's wall time estimated from the measured throughputs, the markdown.
import { datasetDescriptor } from '../../src/data/datasets.ts';
import type { CellSpec } from '../../src/suite/index.ts';

/** One training shape: a network at an input size, batch size and class count. */
export interface Shape {
  network: string;
  input: [number, number, number];
  batch: number;
  classes: number;
}

/** The throughput table's shapes: the paper's networks at CIFAR size, MobileNetV2 also at ImageNet size. */
export const TABLE_SHAPES: readonly Shape[] = [
  { network: 'simple', input: [32, 32, 3], batch: 128, classes: 10 },
  { network: 'vgg16bn', input: [32, 32, 3], batch: 128, classes: 10 },
  { network: 'mobilenetv2', input: [32, 32, 3], batch: 128, classes: 10 },
  { network: 'mobilenetv2', input: [224, 224, 3], batch: 128, classes: 10 },
  { network: 'resnet56', input: [32, 32, 3], batch: 128, classes: 10 },
];

export const shapeKey = (s: Shape) => `${s.network} ${s.input.join('x')} b${s.batch} c${s.classes}`;

/** The shape a cell trains at: its network at its data set's image size and classes, its batch size. */
export function cellShape(cell: CellSpec): Shape {
  const dataset = datasetDescriptor(cell.dataset)!;
  return { network: cell.network, input: [...dataset.shape], batch: cell.batchSize, classes: dataset.classes };
}

/** The table's shapes, then those of the cells not among them, each once. */
export function shapesToMeasure(cells: readonly CellSpec[]): Shape[] {
  const byKey = new Map<string, Shape>();
  for (const shape of [...TABLE_SHAPES, ...cells.map(cellShape)]) if (!byKey.has(shapeKey(shape))) byKey.set(shapeKey(shape), shape);
  return [...byKey.values()];
}

/** One shape's measurements; a side that failed or was not run has no images/s. */
export interface ShapeResult extends Shape {
  /** The batch size measured at: the shape's own, except in a dry run. */
  measuredBatch: number;
  parameters: { webgpu?: number; torch?: number };
  imagesPerSecond: { webgpu?: number; torch?: number };
}

export interface GridEstimate {
  cells: { id: string; shape: string; images: number; seconds: { webgpu?: number; torch?: number } }[];
  /** Training seconds of the whole grid, when every cell's shape was measured on that side. */
  total: { webgpu?: number; torch?: number };
}

/**
 * The grid's training time at the measured speeds: per cell, epochs x train images / images/s of its shape.
 * Evaluation passes, data loading and start-up are not in it.
 */
export function estimateGrid(cells: readonly CellSpec[], results: readonly ShapeResult[]): GridEstimate {
  const byKey = new Map(results.map((r) => [shapeKey(r), r]));
  const estimated = cells.map((cell) => {
    const shape = cellShape(cell);
    const images = cell.epochs * datasetDescriptor(cell.dataset)!.counts.train;
    const speed = byKey.get(shapeKey(shape))?.imagesPerSecond ?? {};
    const seconds = (side: 'webgpu' | 'torch') => (speed[side] ? images / speed[side] : undefined);
    return { id: cell.id, shape: shapeKey(shape), images, seconds: { webgpu: seconds('webgpu'), torch: seconds('torch') } };
  });
  const total = (side: 'webgpu' | 'torch') =>
    estimated.every((c) => c.seconds[side] !== undefined) ? estimated.reduce((sum, c) => sum + c.seconds[side]!, 0) : undefined;
  return { cells: estimated, total: { webgpu: total('webgpu'), torch: total('torch') } };
}

/** Images/s: whole above 100, else three significant digits (a software adapter trains at well under 1). */
const rate = (value: number | undefined) => (value === undefined ? 'failed' : value >= 100 ? value.toFixed(0) : value.toPrecision(3));
const ratio = (webgpu?: number, torch?: number) => (webgpu && torch ? `${(torch / webgpu).toFixed(2)}x` : '-');
export const hours = (seconds: number | undefined) => (seconds === undefined ? 'incomplete' : `${(seconds / 3600).toFixed(2)} h`);

/** Markdown: images/s of every measured shape on both sides, and PyTorch's speed as a multiple of WebGPU's. */
export function throughputTable(results: readonly ShapeResult[]): string {
  return markdownTable(
    ['network', 'input', 'batch', 'classes', 'parameters', 'webgpu images/s', 'PyTorch images/s', 'PyTorch / webgpu'],
    results.map((r) => [r.network, r.input.join('x'), r.measuredBatch, r.classes, r.parameters.webgpu ?? r.parameters.torch ?? '-', rate(r.imagesPerSecond.webgpu), rate(r.imagesPerSecond.torch), ratio(r.imagesPerSecond.webgpu, r.imagesPerSecond.torch)]),
  );
}

export function gridTable(estimate: GridEstimate): string {
  const rows = estimate.cells.map((c) => [c.id, c.shape, c.images, hours(c.seconds.webgpu), hours(c.seconds.torch)]);
  rows.push(['**all cells**', '', estimate.cells.reduce((sum, c) => sum + c.images, 0), hours(estimate.total.webgpu), hours(estimate.total.torch)]);
  return markdownTable(['cell', 'shape', 'training images', 'webgpu', 'PyTorch'], rows);
}

/** A GitHub markdown table: the text table's columns, between pipes. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

