import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { datasetNames } from '../data/datasets.ts';
import { initEngine, type BackendRequest, type EngineInfo } from '../engine/backend.ts';
import { NETWORK_NAMES } from '../nn/network.ts';
import { loadSuite, resolveSuitePath, selectCells, type CellSpec, type Suite } from '../suite/index.ts';
import { formatTable } from '../text-table.ts';
import type { CellEvent, CellJob, CellRunSummary } from './cell.ts';
import { gitCommit } from './environment.ts';
import { JobQueue } from './job-queue.ts';
import { progressView, type ProgressView } from './progress.ts';
import { cellFiles, readRunRecord, writeRunRecord, type RunRecord } from '../results/run-record.ts';
import type { WorkerReply, WorkerRequest } from './worker.ts';

export interface RunOptions {
  suite: string;
  benchmarksDir: string;
  backend: BackendRequest;
  outDir: string;
  cells?: string;
  shard?: string;
  epochs?: number;
  /** Seeds 1..seeds for every cell, instead of the suite's. */
  seeds?: number;
  jobs?: number;
  log: (line: string) => void;
}

export interface RunSummary {
  suite: Suite;
  records: { cell: CellSpec; record: RunRecord | undefined }[];
  failed: number;
}

/**
 * Runs the selected cells of a suite in worker processes, skipping cells already finished with the
 * same configuration and resuming killed ones from their checkpoints.
 */
export async function runSuite(options: RunOptions): Promise<RunSummary> {
  const suite = loadSuite(resolveSuitePath(options.suite, options.benchmarksDir), { networks: NETWORK_NAMES, datasets: datasetNames() }, { seeds: options.seeds });
  const cells = selectCells(suite.cells, { glob: options.cells, shard: options.shard }).map((cell) =>
    options.epochs === undefined ? cell : { ...cell, epochs: options.epochs },
  );
  if (cells.length === 0) options.log(`shard ${options.shard} of suite "${suite.name}" has no cells: there are more shards than independent cells`);
  const todo: CellSpec[] = [];
  const commitNow = gitCommit();
  for (const cell of cells) {
    const previous = await readRunRecord(cellFiles(options.outDir, suite.name, cell.id));
    if (previous && !isDeepStrictEqual(previous.cell, cell)) {
      throw new Error(
        `${cellFiles(options.outDir, suite.name, cell.id).run}: was run with another configuration of cell "${cell.id}"; ` +
          'use another --out or delete that folder',
      );
    }
    // Cells are matched by configuration; a result from other code is kept, but never silently.
    const otherCode = previous && previous.gitCommit !== commitNow ? ` by commit ${previous.gitCommit ?? 'unknown'}, not this checkout's ${commitNow ?? 'unknown'}` : '';
    if (previous?.status === 'completed' || previous?.status === 'diverged') {
      options.log(`${cell.id}: already ${previous.status}${otherCode}, skipped`);
    } else {
      if (previous && otherCode) options.log(`${cell.id}: resuming a cell started${otherCode}`);
      todo.push(cell);
    }
  }

  if (todo.length > 0) {
    const engine = await initEngine(options.backend, options.log);
    const jobs = Math.min(todo.length, options.jobs ?? (engine.singleThreaded ? os.availableParallelism() : 1));
    options.log(`running ${todo.length} cell(s) of suite "${suite.name}" on ${engine.kind} with ${jobs} worker process(es)`);
    await runInWorkers(
      todo.map((cell) => ({ suite: suite.name, cell, outDir: options.outDir, shard: options.shard })),
      engine,
      jobs,
    );
  }

  const records = await Promise.all(cells.map(async (cell) => ({ cell, record: await readRunRecord(cellFiles(options.outDir, suite.name, cell.id)) })));
  return { suite, records, failed: records.filter((r) => r.record?.status !== 'completed' && r.record?.status !== 'diverged').length };
}

async function runInWorkers(jobs: CellJob[], engine: EngineInfo, workerCount: number): Promise<void> {
  const view = progressView();
  const queue = new JobQueue(jobs);
  try {
    await Promise.all(Array.from({ length: workerCount }, () => workerLoop(queue, engine, view)));
  } finally {
    view.stop();
  }
}

const workerEntry = fileURLToPath(new URL('./worker.ts', import.meta.url));

/**
 * One worker process taking cells from the shared queue until it is empty. A worker that dies
 * (out of memory, a crash in native code) fails only its cell: a fresh one takes the rest.
 */
async function workerLoop(queue: JobQueue, engine: EngineInfo, view: ProgressView): Promise<void> {
  while (!queue.empty) {
    const worker = await startWorker(engine);
    try {
      for (let job = await queue.take(); job; job = await queue.take()) {
        try {
          view.log(describeResult(await worker.run(job, (event) => view.event(event))));
        } catch (error) {
          await recordWorkerFailure(job, (error as Error).message);
          view.log(`${job.cell.id}: failed: ${(error as Error).message}`);
          break;
        } finally {
          queue.done(job);
        }
      }
    } finally {
      worker.close();
    }
  }
}

interface Worker {
  run(job: CellJob, onEvent: (event: CellEvent) => void): Promise<CellRunSummary>;
  close(): void;
}

async function startWorker(engine: EngineInfo): Promise<Worker> {
  const child = fork(workerEntry, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let waiting: { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void; onEvent?: (event: CellEvent) => void } | undefined;
  child.on('message', (reply: WorkerReply) => {
    if (reply.type === 'event') waiting?.onEvent?.(reply.event);
    else if (reply.type === 'error') waiting?.reject(new Error(reply.message));
    else waiting?.resolve(reply);
  });
  child.on('exit', (code, signal) => waiting?.reject(new Error(`worker process exited (${signal ?? `code ${code}`})`)));
  const request = (message: WorkerRequest, onEvent?: (event: CellEvent) => void) =>
    new Promise<WorkerReply>((resolve, reject) => {
      waiting = { resolve, reject, onEvent };
      child.send(message);
    });

  await request({ type: 'init', backend: engine.kind === 'tensorflow-gpu' ? 'tensorflow' : engine.kind });
  return {
    run: async (job, onEvent) => ((await request({ type: 'run', job }, onEvent)) as Extract<WorkerReply, { type: 'done' }>).result,
    close: () => child.connected && child.disconnect(),
  };
}

/** A worker that died mid-cell could not write its outcome: record the cell as failed (its checkpoint stays for a re-run). */
async function recordWorkerFailure(job: CellJob, reason: string): Promise<void> {
  const files = cellFiles(job.outDir, job.suite, job.cell.id);
  const record = await readRunRecord(files);
  if (record && record.status === 'running') await writeRunRecord(files, { ...record, status: 'failed', reason, endedAt: new Date().toISOString() });
}

function describeResult(result: CellRunSummary): string {
  const best = result.history.length ? `, best test accuracy ${(100 * Math.max(...result.history.map((m) => m.testAccuracy))).toFixed(2)}%` : '';
  const detail = result.reason ? `: ${result.reason}` : '';
  return `${result.cellId}: ${result.status} after ${result.history.length} epoch(s)${best}${detail}`;
}

export function formatSummary(summary: RunSummary): string {
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);
  return formatTable(
    ['cell', 'status', 'best test acc', 'final test acc', 'epochs', 'wall time'],
    summary.records.map(({ cell, record }) => [
      cell.id,
      record ? (record.status === 'diverged' ? `diverged at epoch ${record.divergedAtEpoch}` : record.status) : 'not run',
      pct(record?.bestTestAccuracy),
      pct(record?.finalTestAccuracy),
      `${record?.epochsCompleted ?? 0}/${cell.epochs}`,
      record ? `${record.trainingSeconds.toFixed(1)} s` : '-',
    ]),
  );
}
