import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { removeStaleTempFiles } from '../fsutil.ts';
import { batchesPerEpoch } from '../data/batches.ts';
import type { ImageDataset } from '../data/dataset.ts';
import { augmentationsFor, loadDatasetByName } from '../data/registry.ts';
import type { EngineInfo } from '../engine/backend.ts';
import { buildNetwork } from '../nn/network.ts';
import { makeSchedule } from '../schedules/index.ts';
import type { RunConfiguration } from '../suite/index.ts';
import { loadCheckpoint, saveCheckpoint, type NamedVariable } from '../results/checkpoint.ts';
import { appendMetrics, writeMetrics, type EpochMetrics } from '../results/metrics.ts';
import { cellFiles, readRunRecord, writeRunRecord, type CellFiles, type CellStatus, type LossSpike, type RunRecord } from '../results/run-record.ts';
import { stepLog } from '../results/steps.ts';
import { divergenceGuard, scheduleCallback } from '../train/callbacks.ts';
import { train, type Step, type TrainingCallback } from '../train/loop.ts';
import { MomentumSgd } from '../train/sgd.ts';
import { gitCommit, hostInfo, libraryVersions } from './environment.ts';

export interface CellJob {
  suite: string;
  cell: RunConfiguration;
  outDir: string;
  /** The `--shard i/n` of the run, recorded so merged results say which shard produced a cell. */
  shard?: string;
}

/** What a running cell reports to whoever shows progress. */
export type CellEvent =
  | { type: 'step'; cellId: string; step: Step; epochs: number }
  | { type: 'epoch'; cellId: string; metrics: EpochMetrics; epochs: number };

/** How a run of a cell ended, for the progress line: its status and the epochs it has kept, earlier runs' included. */
export interface CellRunSummary {
  cellId: string;
  status: Exclude<CellStatus, 'running'>;
  reason?: string;
  history: EpochMetrics[];
}

/**
 * Trains one cell to the end, resuming from its checkpoint when an earlier run was killed, and keeps
 * its result files up to date after every epoch. A diverged cell is a result; an exception is
 * recorded as a failed cell and does not escape, so the suite goes on.
 */
export async function runCell(job: CellJob, engine: EngineInfo, report: (event: CellEvent) => void): Promise<CellRunSummary> {
  const { cell } = job;
  const files = cellFiles(job.outDir, job.suite, cell.id);
  await mkdir(files.dir, { recursive: true });
  await removeStaleTempFiles(files.dir);
  const record: RunRecord = {
    suite: job.suite,
    cell,
    status: 'running',
    epochsCompleted: 0,
    bestTestAccuracy: null,
    finalTestAccuracy: null,
    trainingSeconds: 0,
    engine,
    versions: libraryVersions(),
    gitCommit: gitCommit(),
    host: hostInfo(),
    shard: job.shard,
    startedAt: new Date().toISOString(),
  };
  // The epochs whose checkpoint is on disk: what a failed cell keeps, and resumes from.
  const kept = { history: [] as readonly EpochMetrics[] };
  try {
    const dataset = await loadDatasetByName(cell.dataset);
    record.data = { train: dataset.train.count, test: dataset.test.count, shape: dataset.train.shape, source: dataset.source };
    const outcome = await trainCell(job, dataset, files, record, kept, report);
    Object.assign(record, summarize(outcome.history), {
      status: outcome.stoppedBecause ? 'diverged' : 'completed',
      reason: outcome.stoppedBecause,
      divergedAtEpoch: outcome.stoppedBecause ? outcome.history.length + 1 : undefined,
    });
    return { cellId: cell.id, status: record.status as CellRunSummary['status'], reason: record.reason, history: outcome.history };
  } catch (error) {
    Object.assign(record, summarize(kept.history), { status: 'failed', reason: (error as Error).message });
    return { cellId: cell.id, status: 'failed', reason: record.reason, history: [...kept.history] };
  } finally {
    record.endedAt = new Date().toISOString();
    await writeRunRecord(files, record);
  }
}

async function trainCell(
  job: CellJob,
  dataset: ImageDataset,
  files: CellFiles,
  record: RunRecord,
  kept: { history: readonly EpochMetrics[] },
  report: (event: CellEvent) => void,
) {
  const { cell } = job;
  const network = buildNetwork(cell.network, dataset.train.shape, dataset.classNames.length, cell.seed);
  const optimizer = new MomentumSgd(network.params.trainable, { nesterov: cell.nesterov === true });
  try {
    const trainableNames = network.params.all.filter((p) => p.trainable).map((p) => p.name);
    const state: NamedVariable[] = [
      ...network.params.all.map(({ name, variable }) => ({ name, variable })),
      ...optimizer.velocities.map((variable, i) => ({ name: `sgd/velocity/${trainableNames[i]}`, variable })),
    ];
    const resuming = existsSync(files.checkpoint);
    const history = resuming ? await loadCheckpoint(files.checkpoint, state) : await startingPoint(job, state);
    kept.history = history;
    // The run.json written before the interruption: the spikes of the epochs the checkpoint keeps, and the runs.
    const earlier = resuming ? await readRunRecord(files) : undefined;
    if (earlier) {
      const earlierSpikes = (earlier.lossSpikes ?? []).filter((spike) => spike.epoch <= history.length);
      if (earlierSpikes.length > 0) record.lossSpikes = earlierSpikes;
      const { startedAt, engine, gitCommit } = earlier;
      record.earlierRuns = [...(earlier.earlierRuns ?? []), { throughEpoch: history.length, startedAt, engine, gitCommit }];
    }
    await writeMetrics(files.metrics, history);
    const steps = await stepLog(files.steps, history.at(-1)?.iteration ?? 0);
    Object.assign(record, summarize(history));
    await writeRunRecord(files, record);

    const progress: TrainingCallback = {
      onBatchEnd: (step) => report({ type: 'step', cellId: cell.id, step, epochs: cell.epochs }),
      onEpochEnd: (metrics) => report({ type: 'epoch', cellId: cell.id, metrics, epochs: cell.epochs }),
    };
    const checkpoint: TrainingCallback = {
      async onEpochEnd(metrics, all) {
        await saveCheckpoint(files.checkpoint, state, all);
        kept.history = [...all];
        await appendMetrics(files.metrics, metrics);
        if (record.lossSpikes?.some((spike) => spike.epoch === metrics.epoch)) await writeRunRecord(files, { ...record, ...summarize(all) });
      },
    };
    const recordSpike = (spike: LossSpike) => (record.lossSpikes ??= []).push(spike);
    const outcome = await train({
      network,
      optimizer,
      dataset,
      epochs: cell.epochs,
      batchSize: cell.batchSize,
      seed: cell.seed,
      weightDecay: cell.weightDecay,
      augmentations: cell.augment ? augmentationsFor(cell.dataset) : [],
      history,
      callbacks: [
        scheduleCallback(makeSchedule(cell.policy, cell.epochs * batchesPerEpoch(dataset.train.count, cell.batchSize)), cell.momentum),
        divergenceGuard(cell.divergenceFactor, dataset.classNames.length, cell.onLossSpike ?? 'stop', recordSpike),
        // Before the checkpoint: an epoch's steps reach the disk before the checkpoint that covers them.
        ...(steps ? [steps] : []),
        checkpoint,
        progress,
      ],
    });
    if (outcome.stoppedBecause) await steps?.writePending();
    return outcome;
  } finally {
    optimizer.dispose();
    network.dispose();
  }
}

/**
 * A fresh cell starts from its initialisation, or, with initFrom, from the final state (weights,
 * batch-norm statistics, SGD velocities) of that finished cell, like a second Keras fit() on the same
 * model; its own history starts empty.
 */
async function startingPoint(job: CellJob, state: NamedVariable[]): Promise<EpochMetrics[]> {
  const source = job.cell.initFrom;
  if (source === undefined) return [];
  const sourceFiles = cellFiles(job.outDir, job.suite, source);
  const record = await readRunRecord(sourceFiles);
  if (record?.status !== 'completed') {
    throw new Error(`initFrom: cell "${source}" has ${record ? `status ${record.status}` : 'no results'} in ${sourceFiles.dir}; it must complete first`);
  }
  await loadCheckpoint(sourceFiles.checkpoint, state);
  return [];
}

function summarize(history: readonly EpochMetrics[]): Pick<RunRecord, 'epochsCompleted' | 'bestTestAccuracy' | 'finalTestAccuracy' | 'trainingSeconds'> {
  return {
    epochsCompleted: history.length,
    bestTestAccuracy: history.length ? Math.max(...history.map((m) => m.testAccuracy)) : null,
    finalTestAccuracy: history.at(-1)?.testAccuracy ?? null,
    trainingSeconds: history.reduce((sum, m) => sum + m.epochSeconds, 0),
  };
}
