// `scbench merge`: shard result folders into one, so that claims and the report see the whole suite.
import { isDeepStrictEqual } from 'node:util';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { formatJsonPath } from '../json/path.ts';
import { UnreadableResultFile } from '../results/csv.ts';
import { writeMergeRecord, type MergedEntry, type MergeRecord } from '../results/merge-record.ts';
import { METRICS_FILE } from '../results/metrics.ts';
import { RANGE_TEST_FILES, rangeTestFiles, readRecord as readRangeTestRecord, type RangeTestRecord } from '../results/range-test.ts';
import { cellFiles, readRunRecord, type RunRecord } from '../results/run-record.ts';
import { formatTable } from '../text-table.ts';

/** One result folder found in a source: a trained cell (run.json) or a finished range test (suggestions.json). */
interface Found {
  source: string;
  suite: string;
  id: string;
  dir: string;
  /** What must be equal for two copies to count as the same result: configuration and code version. */
  identity: Record<string, unknown>;
  shard: string | null;
  status: string;
  epochsCompleted: number;
}

export interface MergeOptions {
  sources: string[];
  out: string;
  log: (line: string) => void;
}

/**
 * Copies every result folder of `sources` (results roots laid out <root>/<suite>/<id>/) into `out`, one copy
 * of each, and writes merge.json saying where each came from. Two copies of a result that differ in
 * configuration or code version are refused; of identical copies the most finished one is kept. `out` is
 * written under a temporary name and renamed into place at the end, so a failed merge leaves nothing behind.
 */
export async function mergeResults(options: MergeOptions): Promise<MergeRecord> {
  const out = resolve(options.out);
  const sources = options.sources.map((source) => resolve(source));
  if (sources.includes(out)) throw new UserError(`--out ${options.out}: is one of the folders being merged; merge into a new folder`);
  if (await isNonEmptyDir(out)) throw new UserError(`--out ${options.out}: already exists and is not empty; merge into a new folder`);

  const groups = new Map<string, Found[]>();
  for (const source of sources) {
    const found = await findResults(source);
    if (found.length === 0) throw new UserError(`${source}: holds no results (expected <suite>/<cell>/run.json inside)`);
    for (const result of found) {
      const key = `${result.suite}/${result.id}`;
      groups.set(key, [...(groups.get(key) ?? []), result]);
    }
  }

  const results: MergedEntry[] = [];
  const createdParent = await mkdir(dirname(out), { recursive: true }); // the topmost folder it made, if any
  const staging = await mkdtemp(join(dirname(out), `.${basename(out)}.merging-`));
  try {
    for (const [key, copies] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const kept = await pickCopy(key, copies);
      await cp(kept.dir, join(staging, kept.suite, kept.id), { recursive: true, filter: (path) => !path.endsWith('.tmp') });
      results.push({
        suite: kept.suite,
        id: kept.id,
        from: kept.source,
        shard: kept.shard,
        status: kept.status,
        duplicates: await Promise.all(
          copies.filter((c) => c !== kept).map(async (c) => ({ from: c.source, shard: c.shard, status: c.status, sameMetrics: await sameMetrics(kept, c) })),
        ),
      });
    }
    const record: MergeRecord = { mergedAt: new Date().toISOString(), sources, results };
    await writeMergeRecord(staging, record);
    await rm(out, { recursive: true, force: true }); // at most an empty folder, checked above
    await rename(staging, out);
    options.log(`merged ${results.length} result(s) from ${sources.length} folder(s) into ${out}`);
    return record;
  } catch (error) {
    await rm(createdParent ?? staging, { recursive: true, force: true });
    throw error;
  }
}

/** The copy to keep: all must be the same result; then the most finished, then the first source given. */
async function pickCopy(key: string, copies: Found[]): Promise<Found> {
  const [first, ...others] = copies;
  for (const other of others) {
    const field = firstDifference(first.identity, other.identity);
    if (field !== undefined) {
      throw new UserError(
        `${key}: was run differently in ${describe(first)} and ${describe(other)} (they differ in ${field}); merge only shards of one run of one suite`,
      );
    }
  }
  const finished = (c: Found) => (c.status === 'completed' || c.status === 'diverged' ? 1 : 0);
  return copies.reduce((best, c) => (finished(c) > finished(best) || (finished(c) === finished(best) && c.epochsCompleted > best.epochsCompleted) ? c : best));
}

const describe = (found: Found) => (found.shard ? `${found.dir} (shard ${found.shard})` : found.dir);

/** The path of the first field where two JSON values differ, e.g. `cell.policy.maxLr`; undefined when equal. */
export function firstDifference(a: unknown, b: unknown): string | undefined {
  const path = differingPath(a, b, []);
  return path === undefined ? undefined : formatJsonPath(path) || '(the whole record)';
}

function differingPath(a: unknown, b: unknown, path: PropertyKey[]): PropertyKey[] | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return path;
  const keys: PropertyKey[] = Array.isArray(a)
    ? Array.from({ length: Math.max(a.length, (b as unknown[]).length) }, (_, index) => index)
    : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const difference = differingPath((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key], [...path, key]);
    if (difference !== undefined) return difference;
  }
  return path;
}

/** The result folders under one results root. */
async function findResults(source: string): Promise<Found[]> {
  if (!(await isDir(source))) throw new UserError(`${source}: no such results folder`);
  const found: Found[] = [];
  for (const suite of await subdirectories(source)) {
    for (const id of await subdirectories(join(source, suite))) {
      const dir = join(source, suite, id);
      const result = (await trainedCell(source, suite, id, dir)) ?? (await rangeTest(source, suite, id, dir));
      if (result) found.push(result);
    }
  }
  return found;
}

async function trainedCell(source: string, suite: string, id: string, dir: string): Promise<Found | undefined> {
  const record = await refusingUnreadable(readRunRecord(cellFiles(source, suite, id)));
  if (!record) return undefined;
  return {
    source,
    suite,
    id,
    dir,
    identity: { cell: record.cell, ...computedBy(record) },
    shard: record.shard ?? null,
    status: record.status,
    epochsCompleted: record.epochsCompleted,
  };
}

async function rangeTest(source: string, suite: string, id: string, dir: string): Promise<Found | undefined> {
  const record = await refusingUnreadable(readRangeTestRecord(rangeTestFiles(dir), ''));
  if (!record) return undefined;
  return { source, suite, id, dir, identity: { test: record.test, ...computedBy(record) }, shard: null, status: 'completed', epochsCompleted: 0 };
}

/**
 * The code that computed a result: the engine (its kind: the tfjs backend is "tensorflow" on CPU and GPU
 * alike; for webgpu also the adapter, so two GPUs are two engines), the commit, and the libraries' versions
 * (Node's aside). Range-test records written before they kept these have none of them.
 */
function computedBy(record: Pick<RunRecord, 'engine' | 'gitCommit' | 'versions'> | RangeTestRecord): Record<string, unknown> {
  const { node: _node, ...libraries } = record.versions ?? {};
  const engine = record.engine ? { kind: record.engine.kind, packageName: record.engine.packageName, adapter: record.engine.adapter ?? null } : null;
  return { engine, gitCommit: record.gitCommit ?? null, versions: libraries };
}

/** A damaged record stops the merge, naming it. */
async function refusingUnreadable<T>(reading: Promise<T>): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (!(error instanceof UnreadableResultFile)) throw error;
    throw new UserError(`${error.message}; nothing was merged`);
  }
}

/**
 * Whether two copies' metrics agree in everything learned (timings aside) over the epochs both have: a copy
 * cut short by a killed shard that agrees so far is the same result, only less of it. False when they have
 * no row in common: nothing says they agree.
 */
async function sameMetrics(a: Found, b: Found): Promise<boolean> {
  const learnedRows = async (found: Found) => {
    const text = await readFile(join(found.dir, METRICS_FILE), 'utf8').catch(() => readFile(join(found.dir, RANGE_TEST_FILES.curve), 'utf8').catch(() => ''));
    return text.split('\n').slice(1).filter(Boolean).map((line) => line.split(',').slice(0, 9).join(','));
  };
  const [rowsA, rowsB] = [await learnedRows(a), await learnedRows(b)];
  const common = Math.min(rowsA.length, rowsB.length);
  return common > 0 && isDeepStrictEqual(rowsA.slice(0, common), rowsB.slice(0, common));
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function isNonEmptyDir(path: string): Promise<boolean> {
  if (!(await stat(path).catch(() => undefined))) return false;
  if (!(await isDir(path))) return true;
  return (await readdir(path)).length > 0;
}

/** The table `scbench merge` prints: each result, where it came from, and the copies it replaced. */
export function formatMerge(record: MergeRecord): string {
  return formatTable(
    ['suite', 'result', 'status', 'from', 'shard', 'duplicates'],
    record.results.map((r) => [r.suite, r.id, r.status, r.from, r.shard ?? '-', r.duplicates.length ? r.duplicates.map((d) => `${d.from}${d.sameMetrics ? '' : ' (other numbers)'}`).join('; ') : '-']),
  );
}
