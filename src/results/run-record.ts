// run.json, what produced a cell's results: its configuration, status, engine, code and host. The runner writes it
// when a cell starts and ends (and at each loss spike); the runner, merge, claims and the report read it back.
import { join } from 'node:path';
import { z } from 'zod';
import { archiveDescription, SourceRecordSchema } from '../../data-fetch/cache.ts';
import type { ImageDataset } from '../data/dataset.ts';
import type { EngineInfo } from '../engine/backend.ts';
import { writeJsonAtomic } from '../fsutil.ts';
import { count } from '../json/numbers.ts';
import { policySchema } from '../schedules/index.ts';
import type { RunConfiguration } from '../suite/index.ts';
import { readJsonRecord } from './json-file.ts';
import { METRICS_FILE } from './metrics.ts';
import { STEP_LOG_FILE } from './steps.ts';

/** Where a cell's outputs live: results/<suite>/<cell-id>/. */
export interface CellFiles {
  dir: string;
  metrics: string;
  run: string;
  checkpoint: string;
  steps: string;
}

export function cellFiles(outDir: string, suite: string, cellId: string): CellFiles {
  const dir = join(outDir, suite, cellId);
  return { dir, metrics: join(dir, METRICS_FILE), run: join(dir, 'run.json'), checkpoint: join(dir, 'checkpoint.ckpt'), steps: join(dir, STEP_LOG_FILE) };
}

const cellStatusSchema = z.enum(['running', 'completed', 'diverged', 'failed']);

export type CellStatus = z.output<typeof cellStatusSchema>;

/** A batch whose training loss rose above the divergence guard's limit; the first batch of each run of such batches. */
export interface LossSpike {
  epoch: number;
  iteration: number;
  loss: number;
  limit: number;
}

type RunRecordSource = NonNullable<ImageDataset['source']>;

/** run.json: everything needed to know what produced a cell's metrics. */
export interface RunRecord {
  suite: string;
  cell: RunConfiguration;
  status: CellStatus;
  /** Why a cell diverged or failed. */
  reason?: string;
  /** The epoch during which a diverged cell was stopped. */
  divergedAtEpoch?: number;
  /** Loss spikes a cell with onLossSpike "train-on" trained through (absent when none). */
  lossSpikes?: LossSpike[];
  epochsCompleted: number;
  bestTestAccuracy: number | null;
  finalTestAccuracy: number | null;
  /** Training and evaluation seconds summed over the finished epochs (across resumes). */
  trainingSeconds: number;
  engine: EngineInfo;
  /** The data the cell trained on; `source` for downloaded data sets (official = the archive the paper used). */
  data?: { train: number; test: number; shape: readonly number[]; source?: RunRecordSource };
  versions: Record<string, string>;
  gitCommit: string | null;
  /** The `--shard i/n` of the run that wrote this record; absent when it ran the whole suite. */
  shard?: string;
  host: { platform: string; arch: string; cpus: number; cpuModel: string; memoryGiB: number };
  /** When the run that wrote this record started; a resumed cell's earlier runs are in `earlierRuns`. */
  startedAt: string;
  endedAt?: string;
  /** A resumed cell's earlier runs, oldest first: the epochs kept when the next run took over, and what ran them. */
  earlierRuns?: EarlierRun[];
}

export interface EarlierRun {
  throughEpoch: number;
  startedAt: string;
  engine: EngineInfo;
  gitCommit: string | null;
}

const positive = z.number().int().min(1);

/** The cell as the runner records it (CellSpec). */
const cellSchema = z.looseObject({
  id: z.string(),
  network: z.string(),
  dataset: z.string(),
  policy: policySchema,
  momentum: z.number(),
  epochs: positive,
  batchSize: positive,
  seed: count,
  weightDecay: z.number().min(0),
  augment: z.boolean(),
  divergenceFactor: z.number(),
  onLossSpike: z.literal('train-on').optional(),
  nesterov: z.literal(true).optional(),
  description: z.string().optional(),
  initFrom: z.string().optional(),
});

/** EngineInfo. */
const engineSchema = z.looseObject({
  backend: z.string(),
  kind: z.enum(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] satisfies EngineInfo['kind'][]),
  packageName: z.string(),
  version: z.string(),
  reason: z.string(),
  threads: positive.nullable().optional(),
  adapter: z.looseObject({ vendor: z.string(), architecture: z.string(), device: z.string(), description: z.string(), software: z.boolean() }).optional(),
});

/** A downloaded data set's source as records before 015bdf6 wrote it; read as today's (`readRunRecord`). */
const olderSourceSchema = z.looseObject({ archive: z.string(), md5: z.string(), official: z.boolean() });
type OlderSource = z.output<typeof olderSourceSchema>;

function currentSource(record: RunRecord): RunRecord {
  const source = record.data?.source as RunRecordSource | OlderSource | undefined;
  if (source === undefined || !('archive' in source)) return record;
  const { archive, md5, official } = source;
  return { ...record, data: { ...record.data!, source: { path: archive, md5, official, description: archiveDescription(official) } } };
}

/**
 * run.json checked field by field when read. Objects may hold keys this version does not know, so that a record
 * written by another version of scbench is still read (engines once recorded `singleThreaded` instead of `threads`);
 * the policy alone is checked as a suite's is, strictly, since the report and resumption read its every field.
 */
const runRecordSchema = z.looseObject({
  suite: z.string(),
  cell: cellSchema,
  status: cellStatusSchema,
  reason: z.string().optional(),
  divergedAtEpoch: positive.optional(),
  lossSpikes: z.array(z.object({ epoch: count, iteration: count, loss: z.number(), limit: z.number() })).optional(),
  epochsCompleted: count,
  bestTestAccuracy: z.number().nullable(),
  finalTestAccuracy: z.number().nullable(),
  trainingSeconds: z.number().min(0),
  engine: engineSchema,
  data: z.looseObject({ train: count, test: count, shape: z.array(count), source: z.union([SourceRecordSchema.loose(), olderSourceSchema]).optional() }).optional(),
  versions: z.record(z.string(), z.string()),
  gitCommit: z.string().nullable(),
  shard: z.string().optional(),
  host: z.looseObject({ platform: z.string(), arch: z.string(), cpus: count, cpuModel: z.string(), memoryGiB: z.number() }),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  earlierRuns: z.array(z.looseObject({ throughEpoch: count, startedAt: z.string(), engine: engineSchema, gitCommit: z.string().nullable() })).optional(),
});

export async function writeRunRecord(files: CellFiles, record: RunRecord): Promise<void> {
  await writeJsonAtomic(files.run, record);
}

/** The cell's run.json, checked; undefined when there is none. A record that does not match names the file and the field. */
export async function readRunRecord(files: CellFiles): Promise<RunRecord | undefined> {
  const record = await readJsonRecord<RunRecord>(files.run, runRecordSchema);
  return record && currentSource(record);
}
