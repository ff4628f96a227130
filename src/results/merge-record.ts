// merge.json, written by `scbench merge` into the merged results folder: where each result folder came from.
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../fsutil.ts';
import { readJsonRecord } from './json-file.ts';

const MERGE_RECORD_FILE = 'merge.json';

const shard = z.string().nullable();

const mergedEntrySchema = z.object({
  suite: z.string(),
  id: z.string(),
  from: z.string(),
  shard,
  status: z.string(),
  /** Other copies of the same result, identical in configuration and code, that were not kept. */
  duplicates: z.array(z.object({ from: z.string(), shard, status: z.string(), sameMetrics: z.boolean() })),
});

const mergeRecordSchema = z.object({ mergedAt: z.string(), sources: z.array(z.string()), results: z.array(mergedEntrySchema) });

/** What merge.json says of one merged result folder. */
export type MergedEntry = z.output<typeof mergedEntrySchema>;
export type MergeRecord = z.output<typeof mergeRecordSchema>;

export async function writeMergeRecord(dir: string, record: MergeRecord): Promise<void> {
  await writeJsonAtomic(join(dir, MERGE_RECORD_FILE), record);
}

/** The merge.json of a merged results folder, checked; undefined when it has none. */
export async function readMergeRecord(dir: string): Promise<MergeRecord | undefined> {
  return readJsonRecord<MergeRecord>(join(dir, MERGE_RECORD_FILE), mergeRecordSchema);
}
