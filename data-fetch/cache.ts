import { open, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import envPaths from 'env-paths';
import { writeFileAtomic } from '../src/fsutil.ts';
import { count } from '../src/json/numbers.ts';
import { problemText } from '../src/json/problems.ts';

/*
 * The decoded cache of one data set: <cacheDir>/<name>/manifest.json and one file per split,
 * train.bin and test.bin. A split file is the images (uint8, HWC, image after image), padded to an
 * even length, then the labels (uint16 in the host's byte order, little-endian on the platforms
 * Node ships for). The manifest is written last, so a build cut short leaves no manifest.
 */

/** Bump when the decoded bytes or the manifest change meaning: older caches are then rebuilt. */
export const CACHE_FORMAT_VERSION = 2;

/** A decoded split, in memory exactly as in its cache file: uint8 HWC pixels image after image, uint16 labels. */
export interface ImageSplit {
  /** Number of images. */
  readonly count: number;
  /** Height, width, channels of one image. */
  readonly shape: readonly [number, number, number];
  /** Pixels of all images, HWC order, image after image: count * h * w * c bytes. */
  readonly images: Uint8Array;
  /** Class index of each image. */
  readonly labels: Uint16Array;
}

/** The cache root: `dir`, else $SCBENCH_CACHE, else the user's cache dir (env-paths: ~/.cache/scbench on Linux). */
export function cacheRoot(dir?: string): string {
  return resolve(dir || process.env.SCBENCH_CACHE || envPaths('scbench', { suffix: '' }).cache);
}

const SPLITS = ['train', 'test'] as const;
type SplitName = (typeof SPLITS)[number];

/** A decoded data set before it is cached. */
export interface DecodedDataset {
  readonly classNames: readonly string[];
  readonly train: ImageSplit;
  readonly test: ImageSplit;
}

/** A decoded archive, with how it was decoded in words and what it held, for the cache manifest. */
export interface ArchiveDecoding {
  readonly decoded: DecodedDataset;
  /** How the images were decoded (layout, class order, resize, split), for the manifest and `scbench data info`. */
  readonly decoding: string;
  /** Files left out because they did not decode. */
  readonly skipped: readonly { readonly file: string; readonly problem: string }[];
  /** Image files read, where the archive is a set of image files. */
  readonly files?: number;
  /** Set when the archive holds the data set in another form than the official archive's: what it is, in words. */
  readonly copy?: string;
}

const SplitRecordSchema = z.strictObject({
  file: z.string(),
  count,
  shape: z.tuple([count, count, count]),
  bytes: count,
  classCounts: z.array(count),
});
/** A downloaded archive's `description` in the source record, unless the decoding says it is a copy in another layout. */
export const archiveDescription = (official: boolean) => (official ? 'the official archive' : 'a custom archive, NOT the official one');

export const SourceRecordSchema = z.strictObject({
  /** The archive or folder decoded: absolute, or the archive's name in the cache's archives/ folder for a download. */
  path: z.string(),
  /** md5 of the archive. */
  md5: z.string().optional(),
  /** For a folder: sha256 over its image files' relative paths and bytes, in path order. */
  contentHash: z.string().optional(),
  /** Image files found (image folders). */
  files: count.optional(),
  /** Whether it is the archive the data set's descriptor names. */
  official: z.boolean(),
  /** What the data is, in words: the official archive, a custom archive, a copy in another layout, an added image folder. */
  description: z.string(),
});
const ManifestSchema = z.strictObject({
  formatVersion: z.literal(CACHE_FORMAT_VERSION),
  dataset: z.string(),
  /** 'fetched': a built-in data set; 'added': an image folder given to `scbench data add`, named in suites by its cache entry. */
  origin: z.enum(['fetched', 'added']),
  source: SourceRecordSchema,
  /** How the images were decoded (layout, class order, resize, split), for the record. */
  decoding: z.string(),
  /** Files left out because they did not decode (`--skip-bad`), with the problem. */
  skipped: z.array(z.strictObject({ file: z.string(), problem: z.string() })),
  classNames: z.array(z.string()).min(1),
  normalization: z.strictObject({ mean: z.array(z.number()), std: z.array(z.number()) }),
  splits: z.strictObject({ train: SplitRecordSchema, test: SplitRecordSchema }),
});

export type CacheManifest = z.infer<typeof ManifestSchema>;
export type SourceRecord = z.infer<typeof SourceRecordSchema>;
export type SplitRecord = z.infer<typeof SplitRecordSchema>;

export type CacheState =
  | { readonly kind: 'valid'; readonly manifest: CacheManifest }
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid'; readonly problem: string };

function labelsOffset(count: number, shape: readonly [number, number, number]): number {
  const imageBytes = count * shape[0] * shape[1] * shape[2];
  return imageBytes + (imageBytes % 2);
}

function splitFileBytes(count: number, shape: readonly [number, number, number]): number {
  return labelsOffset(count, shape) + 2 * count;
}

function splitViews(buffer: ArrayBuffer, count: number, shape: readonly [number, number, number]): ImageSplit {
  return {
    count,
    shape,
    images: new Uint8Array(buffer, 0, count * shape[0] * shape[1] * shape[2]),
    labels: new Uint16Array(buffer, labelsOffset(count, shape), count),
  };
}

/** An empty split whose images and labels share one buffer laid out as its cache file, so it is written without a copy. */
export function allocateSplit(count: number, shape: readonly [number, number, number]): ImageSplit {
  return splitViews(new ArrayBuffer(splitFileBytes(count, shape)), count, shape);
}

function fileBytesOf(split: ImageSplit): Uint8Array {
  const bytes = splitFileBytes(split.count, split.shape);
  const buffer = split.images.buffer;
  if (split.images.byteOffset !== 0 || buffer.byteLength !== bytes || split.labels.buffer !== buffer) {
    throw new Error('a split to cache must come from allocateSplit');
  }
  return new Uint8Array(buffer);
}

export function classCounts(labels: Uint16Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

/** Per-channel mean and standard deviation of a split's pixels, in units of 1/255. */
export function channelStatistics(split: ImageSplit): { mean: number[]; std: number[] } {
  const channels = split.shape[2];
  const sum = new Float64Array(channels);
  const sumOfSquares = new Float64Array(channels);
  const pixels = split.images;
  for (let p = 0; p < pixels.length; p += channels) {
    for (let c = 0; c < channels; c++) {
      const value = pixels[p + c];
      sum[c] += value;
      sumOfSquares[c] += value * value;
    }
  }
  const n = pixels.length / channels;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sumOfSquares, (s, c) => Math.sqrt(Math.max(0, s / n - mean[c] * mean[c])));
  const round = (v: number) => Math.round((v / 255) * 1e6) / 1e6;
  return { mean: mean.map(round), std: std.map(round) };
}

const manifestPath = (dir: string) => join(dir, 'manifest.json');

/** A manifest's text checked: JSON, format version, fields, the data set it names. */
function parseManifest(text: string, dir: string, dataset: string): CacheState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', problem: `${manifestPath(dir)} is not valid JSON` };
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== CACHE_FORMAT_VERSION) {
    return { kind: 'invalid', problem: `${manifestPath(dir)} has cache format version ${String(version)}, this scbench uses ${CACHE_FORMAT_VERSION}` };
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', problem: `${manifestPath(dir)} does not match the manifest format: ${problemText(issue.path, issue.message)}` };
  }
  const manifest = parsed.data;
  if (manifest.dataset !== dataset) return { kind: 'invalid', problem: `${manifestPath(dir)} describes ${manifest.dataset}, not ${dataset}` };
  return { kind: 'valid', manifest };
}

/** The manifest of a data set's cache, read synchronously and not checked against its split files (for listing what is cached). */
export function readManifestSync(dir: string, dataset: string): CacheState {
  try {
    return parseManifest(readFileSync(manifestPath(dir), 'utf8'), dir, dataset);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
}

/** Reads and checks a data set's cache: manifest format and fields, and every split file's exact size. */
export async function readCacheState(dir: string, dataset: string): Promise<CacheState> {
  let text: string;
  try {
    text = await readFile(manifestPath(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
  const state = parseManifest(text, dir, dataset);
  if (state.kind !== 'valid') return state;
  const { manifest } = state;
  for (const split of SPLITS) {
    const record = manifest.splits[split];
    const file = join(dir, record.file);
    const expected = splitFileBytes(record.count, record.shape);
    const sum = record.classCounts.reduce((a, b) => a + b, 0);
    if (record.bytes !== expected || record.classCounts.length !== manifest.classNames.length || sum !== record.count) {
      return { kind: 'invalid', problem: `${manifestPath(dir)}: the ${split} record is inconsistent` };
    }
    const size = await stat(file).then((s) => s.size, () => undefined);
    if (size !== expected) return { kind: 'invalid', problem: `${file} is ${size ?? 'missing'}${size === undefined ? '' : ' B'}, the manifest says ${expected} B` };
  }
  return { kind: 'valid', manifest };
}

/** Reads one cached split file into memory: one buffer, images and labels viewing it. */
export async function readSplit(dir: string, record: SplitRecord): Promise<ImageSplit> {
  const file = join(dir, record.file);
  const buffer = new ArrayBuffer(record.bytes);
  const handle = await open(file);
  try {
    const bytes = new Uint8Array(buffer);
    for (let offset = 0; offset < bytes.length; ) {
      const { bytesRead } = await handle.read(bytes, offset, Math.min(1 << 26, bytes.length - offset), offset);
      if (bytesRead === 0) throw new Error(`${file} ended at ${offset} B, the manifest says ${record.bytes} B`);
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return splitViews(buffer, record.count, record.shape);
}

/** Writes the split files, then the manifest; the old manifest goes first so a cut-short write is never trusted. */
export async function writeCache(
  dir: string,
  dataset: string,
  decoded: DecodedDataset,
  record: Pick<CacheManifest, 'origin' | 'source' | 'decoding' | 'skipped'>,
): Promise<CacheManifest> {
  await rm(manifestPath(dir), { force: true });
  const splits = {} as Record<SplitName, SplitRecord>;
  for (const name of SPLITS) {
    const split = decoded[name];
    const data = fileBytesOf(split);
    await writeFileAtomic(join(dir, `${name}.bin`), data);
    splits[name] = {
      file: `${name}.bin`,
      count: split.count,
      shape: [...split.shape],
      bytes: data.length,
      classCounts: classCounts(split.labels, decoded.classNames.length),
    };
  }
  const manifest: CacheManifest = {
    formatVersion: CACHE_FORMAT_VERSION,
    dataset,
    origin: record.origin,
    source: record.source,
    decoding: record.decoding,
    skipped: record.skipped,
    classNames: [...decoded.classNames],
    normalization: channelStatistics(decoded.train),
    splits,
  };
  await writeFileAtomic(manifestPath(dir), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
