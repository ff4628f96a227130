import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { initEngine, type BackendRequest, type EngineInfo } from '../engine/backend.ts';
import { MAX_WASM_THREADS } from '../engine/wasm-threads.ts';
import { UserError } from '../errors.ts';
import { runConfiguration, selectCells, type RunConfiguration, type Suite } from '../suite/index.ts';
import { formatTable } from '../text-table.ts';
import type { CellEvent, CellJob, CellRunSummary } from './cell.ts';
import { gitCommit } from './environment.ts';
import { JobQueue } from './job-queue.ts';
import { progressView, type ProgressView } from './progress.ts';
import { cellFiles, readRunRecord, writeRunRecord, type RunRecord } from '../results/run-record.ts';
import type { WorkerReply, WorkerRequest } from './worker.ts';

export interface RunOptions {
  /** Loaded with the run's seeds. */
  suite: Suite;
  backend: BackendRequest;
  outDir: string;
  cells?: string;
  shard?: string;
  epochs?: number;
  jobs?: number;
  /** wasm: every cell's threads, instead of the cores shared among the cells left. */
  threads?: number;
  log: (line: string) => void;
}

export interface RunSummary {
  suite: Suite;
  records: { cell: RunConfiguration; record: RunRecord | undefined }[];
  failed: number;
}

/**
 * Runs the selected cells of a suite in worker processes, skipping cells already finished with the
 * same configuration and resuming killed ones from their checkpoints.
 */
export async function runSuite(options: RunOptions): Promise<RunSummary> {
  const { suite } = options;
  const cells = selectCells(suite.cells, { glob: options.cells, shard: options.shard }).map((cell) => {
    const configuration = runConfiguration(cell);
    return options.epochs === undefined ? configuration : { ...configuration, epochs: options.epochs };
  });
  if (cells.length === 0) options.log(`shard ${options.shard} of suite "${suite.name}" has no cells: there are more shards than independent cells`);
  const todo: RunConfiguration[] = [];
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
    if (options.threads !== undefined && engine.kind !== 'wasm') throw new UserError(`--threads: only the wasm backend computes on a thread count scbench sets, not ${engine.kind}`);
    const cores = os.availableParallelism();
    const jobs = Math.min(todo.length, options.jobs ?? (engine.threads === null ? 1 : cores));
    const threads = engine.kind !== 'wasm' ? () => 1 : threadsPerCell(cores, jobs, options.threads);
    options.log(`running ${todo.length} cell(s) of suite "${suite.name}" on ${engine.kind} with ${jobs} worker process(es)`);
    await runInWorkers(
      todo.map((cell) => ({ suite: suite.name, cell, outDir: options.outDir, shard: options.shard })),
      engine,
      jobs,
      threads,
    );
  }

  const records = await Promise.all(cells.map(async (cell) => ({ cell, record: await readRunRecord(cellFiles(options.outDir, suite.name, cell.id)) })));
  return { suite, records, failed: records.filter((r) => r.record?.status !== 'completed' && r.record?.status !== 'diverged').length };
}

/**
 * The threads of a cell about to start, given how many cells are left (it included): the cores shared
 * among the processes that can still run, so that a suite's last cells, fewer than the cores, use them all.
 */
function threadsPerCell(cores: number, jobs: number, fixed: number | undefined): (unfinished: number) => number {
  return (unfinished) => fixed ?? Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(cores / Math.min(jobs, unfinished))));
}

async function runInWorkers(jobs: CellJob[], engine: EngineInfo, workerCount: number, threads: (unfinished: number) => number): Promise<void> {
  const view = progressView();
  const queue = new JobQueue(jobs);
  try {
    await Promise.all(Array.from({ length: workerCount }, () => workerLoop(queue, engine, view, threads)));
  } finally {
    view.stop();
  }
}

const workerEntry = fileURLToPath(new URL('./worker.ts', import.meta.url));

/**
 * One worker process taking cells from the shared queue until it is empty; a cell that needs another
 * thread count than the worker's gets a fresh worker. A worker that dies (out of memory, a crash in
 * native code) fails only its cell: a fresh one takes the rest.
 */
async function workerLoop(queue: JobQueue, engine: EngineInfo, view: ProgressView, threadsFor: (unfinished: number) => number): Promise<void> {
  let worker: Worker | undefined;
  try {
    for (let job = await queue.take(); job; job = await queue.take()) {
      try {
        const threads = threadsFor(queue.unfinished);
        if (worker?.threads !== threads) {
          worker?.close();
          worker = undefined;
          worker = await startWorker(engine, threads);
        }
        view.log(describeResult(await worker.run(job, (event) => view.event(event))));
      } catch (error) {
        await recordWorkerFailure(job, (error as Error).message);
        view.log(`${job.cell.id}: failed: ${(error as Error).message}`);
        worker?.close();
        worker = undefined;
      } finally {
        queue.done(job);
      }
    }
  } finally {
    worker?.close();
  }
}

interface Worker {
  threads: number;
  run(job: CellJob, onEvent: (event: CellEvent) => void): Promise<CellRunSummary>;
  close(): void;
}

async function startWorker(engine: EngineInfo, threads: number): Promise<Worker> {
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

  await request({ type: 'init', backend: engine.kind === 'tensorflow-gpu' ? 'tensorflow' : engine.kind, threads });
  return {
    threads,
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
