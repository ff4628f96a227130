import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openSuite, trainingSuite } from '../../src/suite/index.ts';
import { estimateGrid, gridTable, shapeKey, shapesToMeasure, TABLE_SHAPES, throughputTable, type ShapeResult } from './plan.ts';

const paper = trainingSuite(openSuite('paper'));

const measured = (speed: (key: string) => { webgpu?: number; torch?: number }): ShapeResult[] =>
  shapesToMeasure(paper.cells).map((s) => ({ ...s, measuredBatch: s.batch, parameters: {}, imagesPerSecond: speed(shapeKey(s)) }));

test('the table shapes first, then every other shape the paper grid trains, once each', () => {
  assert.equal(shapesToMeasure(paper.cells).map(shapeKey), [
    ...TABLE_SHAPES.map(shapeKey),
    'simple 224x224x3 b32 c17',
    'vgg16bn 224x224x3 b32 c17',
    'mobilenetv2 224x224x3 b32 c17',
    'mobilenetv2 64x64x3 b128 c200',
  ]);
});

test('the grid estimate: epochs x training images / images/s of each cell, summed when every shape was measured', () => {
  const estimate = estimateGrid(paper.cells, measured((key) => ({ webgpu: key.startsWith('simple') ? 2000 : 1000, torch: 4000 })));
  assert.equal(estimate.cells.map((c) => c.id), paper.cells.map((c) => c.id));
  const cell = estimate.cells.find((c) => c.id === 'mobilenetv2.tinyimagenet.constant')!;
  assert.equal([cell.images, cell.seconds.webgpu, cell.seconds.torch], [30 * 100_000, 3000, 750]);
  const images = estimate.cells.reduce((sum, c) => sum + c.images, 0);
  const simpleImages = estimate.cells.filter((c) => c.id.startsWith('simple.')).reduce((sum, c) => sum + c.images, 0);
  assert.ok(Math.abs(estimate.total.torch! - images / 4000) < 1e-6);
  assert.ok(Math.abs(estimate.total.webgpu! - (simpleImages / 2000 + (images - simpleImages) / 1000)) < 1e-6);
  assert.ok(gridTable(estimate).endsWith(`| **all cells** |  | ${images} | ${(estimate.total.webgpu! / 3600).toFixed(2)} h | ${(images / 4000 / 3600).toFixed(2)} h |`));
});

test('a shape not measured on one side leaves that side of the estimate incomplete, and says so', () => {
  const estimate = estimateGrid(paper.cells, measured((key) => (key === 'vgg16bn 224x224x3 b32 c17' ? { torch: 100 } : { webgpu: 100, torch: 100 })));
  assert.is(estimate.total.webgpu, undefined);
  assert.ok(estimate.total.torch! > 0);
  assert.match(gridTable(estimate), /\| \*\*all cells\*\* \|  \| \d+ \| incomplete \| [\d.]+ h \|/);
});

test('the throughput table: images/s of both sides and their ratio, "failed" where a side has none', () => {
  const [simple, vgg] = measured(() => ({}));
  const table = throughputTable([
    { ...simple, parameters: { webgpu: 95434, torch: 95434 }, imagesPerSecond: { webgpu: 1000, torch: 2500 } },
    { ...vgg, parameters: { torch: 15001418 }, imagesPerSecond: { torch: 0.1663 } },
  ]);
  assert.equal(table.split('\n').slice(2), [
    '| simple | 32x32x3 | 128 | 10 | 95434 | 1000 | 2500 | 2.50x |',
    '| vgg16bn | 32x32x3 | 128 | 10 | 15001418 | failed | 0.166 | - |',
  ]);
});

test.run();
