// `scbench run --suite S --smoke [--smoke-batch N]`: smokeCell (smoke.ts) over the selected cells of a suite, one
// table row a cell, on the chosen backend.
import { initEngine, type BackendRequest } from '../engine/backend.ts';
import { selectCells, type Suite } from '../suite/index.ts';
import { formatTable } from '../text-table.ts';
import { ESTIMATION_RULE, smokeCell, type SmokeResult } from './smoke.ts';

export { ESTIMATION_RULE, smokeCell, type SmokeResult } from './smoke.ts';

export interface SmokeOptions {
  suite: Suite;
  backend: BackendRequest;
  /** Images a training iteration (default 2). */
  smokeBatch?: number;
  /** `--cells` glob. */
  cells?: string;
  log: (line: string) => void;
}

/** Smoke-runs the cells in suite order, logging each as it finishes; returns the table and the total time. */
export async function smokeCommand(options: SmokeOptions): Promise<string> {
  const { suite } = options;
  const cells = selectCells(suite.cells, { glob: options.cells });
  const smokeBatch = options.smokeBatch ?? 2;
  const engine = await initEngine(options.backend, options.log);
  options.log(`smoke run of ${cells.length} cell(s) of suite "${suite.name}" on ${engine.kind}, 2 iterations at batch ${smokeBatch} (and one of 1 image) on random data`);
  const started = performance.now();
  const results: SmokeResult[] = [];
  for (const cell of cells) {
    const result = await smokeCell(cell, smokeBatch);
    options.log(`${cell.id}: ${result.secondsPerIteration.toFixed(2)} s/iteration`);
    results.push(result);
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const leaks = results.filter((r) => r.leakedTensors !== 0);
  return [
    formatSmokeTable(results),
    '',
    `${ESTIMATION_RULE}; tensor bytes only: a GPU adds allocator slack and convolution workspaces.`,
    `peak RSS is the process's high-water mark so far; the wasm heap never shrinks.`,
    ...leaks.map((r) => `warning: ${r.cellId} left ${r.leakedTensors} tensor(s) behind`),
    `${results.length} cell(s) on ${engine.kind} in ${totalSeconds.toFixed(1)} s`,
  ].join('\n');
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

export function formatSmokeTable(results: readonly SmokeResult[]): string {
  return formatTable(
    ['cell', 'input', 'parameters', 'GFLOP/image', 's/iteration', 'images/s', 'peak tensors MiB', 'peak RSS MiB', 'batch', 'est. MiB at batch'],
    results.map((r) => [
      r.cellId,
      `${r.inputShape.join('x')}/${r.classes}`,
      r.parameters,
      (r.trainingFlopsPerImage / 1e9).toFixed(3),
      r.secondsPerIteration.toFixed(3),
      r.imagesPerSecond.toFixed(1),
      mib(r.peakTensorBytes),
      mib(r.peakRssBytes),
      r.batchSize,
      mib(r.estimatedBytesAtBatch),
    ]),
  );
}
