import { access, mkdir, rename } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../src/errors.ts';
import { formatTable } from '../src/text-table.ts';
import { archiveDescription, cacheRoot, readCacheState, readSplit, writeCache, type CacheManifest, type DecodedDataset, type ImageSplit, type SourceRecord } from './cache.ts';
import { decodeArchive } from './decode.ts';
import { archiveMismatch, downloadArchive, type ExpectedArchive } from './download.ts';
import { decodeImageFolder, openImageSource } from './image-folder.ts';
import { withLock } from './lock.ts';
import { formatBytes } from './progress.ts';
import type { DatasetSource } from './sources.ts';

export { CACHE_FORMAT_VERSION, cacheRoot, readManifestSync, type CacheManifest, type ImageSplit, type SourceRecord } from './cache.ts';
export type { DatasetSource } from './sources.ts';

export interface FetchOptions {
  /** Root of the cache; else $SCBENCH_CACHE; else the user's cache dir (env-paths: ~/.cache/scbench on Linux). */
  cacheDir?: string;
  /** Replaces the scheme and host of the archive URL, keeping its path after the mirror's own; else $SCBENCH_MIRROR. */
  mirror?: string;
  /** An archive already on disk, used instead of downloading; verified like a download. */
  from?: string;
  /** The md5 of a custom archive given with `from`: it replaces the table's checksum and size, and the data is recorded as not official. */
  md5?: string;
  /** No progress bar and, unless `log` is given, no log lines. */
  quiet?: boolean;
  /** Receives the one-line progress messages; default: stderr (nothing when quiet). */
  log?: (line: string) => void;
}

/** A data set's valid cache. */
export interface CacheEntry {
  readonly name: string;
  /** <cacheDir>/<name>: manifest.json, train.bin, test.bin. */
  readonly dir: string;
  readonly manifest: CacheManifest;
  /** Whether the data was decoded from the archive the table names (its md5), not a custom one. */
  readonly official: boolean;
}

/** A data set read from the cache, with where its data came from for run records. */
export interface LoadedDataset {
  readonly name: string;
  readonly classNames: readonly string[];
  readonly train: ImageSplit;
  readonly test: ImageSplit;
  readonly normalization: CacheManifest['normalization'];
  readonly source: SourceRecord;
}

interface Context {
  readonly name: string;
  readonly source: DatasetSource;
  readonly cacheDir: string;
  readonly dir: string;
  readonly expected: ExpectedArchive;
  readonly options: FetchOptions;
  readonly log: (line: string) => void;
}

function logOf(options: { quiet?: boolean; log?: (line: string) => void }): (line: string) => void {
  return options.log ?? (options.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`));
}

function contextOf(source: DatasetSource, options: FetchOptions): Context {
  const { name } = source;
  if (options.md5 !== undefined) {
    if (options.from === undefined) throw new UserError('md5: it checks an archive given with from; give both or neither');
    if (!/^[0-9a-f]{32}$/i.test(options.md5)) throw new UserError(`md5: "${options.md5}" is not 32 hexadecimal digits`);
  }
  const custom = options.md5 !== undefined && options.md5.toLowerCase() !== source.md5;
  const cacheDir = cacheRoot(options.cacheDir);
  return {
    name,
    source,
    cacheDir,
    dir: join(cacheDir, name),
    expected: custom ? { md5: options.md5!.toLowerCase() } : { md5: source.md5, bytes: source.bytes },
    options,
    log: logOf(options),
  };
}

/** The archive URL on a mirror: https://mirror/path + the original path, e.g. https://mirror/path/~kriz/cifar-10-binary.tar.gz. */
export function mirroredUrl(url: string, mirror: string): string {
  let base: URL | undefined;
  try {
    base = new URL(mirror);
  } catch {
    base = undefined;
  }
  if (!base || !/^https?:$/.test(base.protocol)) throw new UserError(`mirror: "${mirror}" is not an http(s) URL (from --mirror or SCBENCH_MIRROR)`);
  const original = new URL(url);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${original.pathname}${original.search}`;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The verified archive to decode: `from`, the one kept in the cache, or a fresh download. */
async function obtainArchive(context: Context): Promise<string> {
  const { name, source, expected, options, log } = context;
  if (options.from !== undefined) {
    const from = resolve(options.from);
    if (!(await exists(from))) throw new UserError(`from: ${from} does not exist`);
    log(`${name}: verifying ${from}`);
    const mismatch = await archiveMismatch(from, expected);
    if (mismatch !== undefined) {
      const hint = options.md5 === undefined ? `; a custom archive is accepted only with its md5 given explicitly` : '';
      throw new UserError(`checksum mismatch for ${from}: ${mismatch}${hint}`);
    }
    return from;
  }
  const archives = join(context.cacheDir, 'archives');
  const dest = join(archives, source.fileName);
  if (await exists(dest)) {
    const mismatch = await archiveMismatch(dest, expected);
    if (mismatch === undefined) return dest;
    await rename(dest, `${dest}.bad`);
    log(`${name}: ${dest} no longer verifies (${mismatch}); moved it to ${dest}.bad and downloading again`);
  }
  await mkdir(archives, { recursive: true });
  const mirror = options.mirror || process.env.SCBENCH_MIRROR;
  const url = mirror ? mirroredUrl(source.url, mirror) : source.url;
  log(`${name}: downloading ${url}${source.bytes === undefined ? '' : ` (${formatBytes(source.bytes)})`}`);
  await downloadArchive({ url, dest, expected, label: name, quiet: options.quiet ?? false, log });
  return dest;
}

function checkCounts(context: Context, archive: string, decoded: DecodedDataset): void {
  const { counts } = context.source;
  if (context.expected.md5 !== context.source.md5) return; // a custom archive may hold any number of images
  if (decoded.train.count !== counts.train || decoded.test.count !== counts.test) {
    throw new UserError(
      `${archive} decoded to ${decoded.train.count} train and ${decoded.test.count} test images; ${context.name} has ${counts.train} and ${counts.test}`,
    );
  }
}

function entryOf(context: Context, manifest: CacheManifest): CacheEntry {
  return { name: context.name, dir: context.dir, manifest, official: manifest.source.official };
}

/**
 * Returns the valid cache, building it (archive, verify, decode, write) when there is none, when it
 * is stale or damaged, or when `anySource` is false and it holds another archive than the expected one.
 */
async function ensureCached(context: Context, anySource: boolean): Promise<{ entry: CacheEntry; decoded?: DecodedDataset }> {
  const { name, dir, expected, log } = context;
  const usable = (state: Awaited<ReturnType<typeof readCacheState>>) =>
    state.kind === 'valid' && (anySource || state.manifest.source.md5 === expected.md5) ? state.manifest : undefined;
  const cached = usable(await readCacheState(dir, name));
  if (cached) return { entry: entryOf(context, cached) };

  return withLock(join(context.cacheDir, `${name}.lock`), log, async () => {
    const state = await readCacheState(dir, name); // another process may have built it while we waited
    const built = usable(state);
    if (built) return { entry: entryOf(context, built) };
    if (state.kind === 'invalid') log(`${name}: rebuilding the cache: ${state.problem}`);
    if (state.kind === 'valid') log(`${name}: the cache holds the archive with md5 ${state.manifest.source.md5}, not ${expected.md5}: rebuilding`);
    const archive = await obtainArchive(context);
    log(`${name}: decoding ${archive}`);
    const decoding = await decodeArchive(archive, context.source, { quiet: context.options.quiet ?? false });
    const { decoded } = decoding;
    checkCounts(context, archive, decoded);
    const official = expected.md5 === context.source.md5;
    const manifest = await writeCache(dir, name, decoded, {
      origin: 'fetched',
      source: {
        path: context.options.from === undefined ? basename(archive) : archive,
        md5: expected.md5,
        ...(decoding.files === undefined ? {} : { files: decoding.files }),
        official,
        description: decoding.copy ?? archiveDescription(official),
      },
      decoding: decoding.decoding,
      skipped: [...decoding.skipped],
    });
    log(`${name}: cached ${decoded.train.count} train and ${decoded.test.count} test images in ${dir}`);
    return { entry: entryOf(context, manifest), decoded };
  });
}

/**
 * Makes sure the cache holds the data set decoded from the expected archive (the table's, or the
 * custom `from` + `md5`): downloads, verifies, decodes and caches it, or returns at once when cached.
 */
export async function fetchDataset(source: DatasetSource, options: FetchOptions = {}): Promise<CacheEntry> {
  return (await ensureCached(contextOf(source, options), false)).entry;
}

/**
 * The data set from the cache, fetched first when there is none. Without `from`, a cache built from
 * a custom archive is used as it is (`source.official` says so).
 */
export async function loadDataset(source: DatasetSource, options: FetchOptions = {}): Promise<LoadedDataset> {
  const { entry, decoded } = await ensureCached(contextOf(source, options), options.from === undefined);
  return loadedFrom(entry.dir, entry.manifest, decoded);
}

async function loadedFrom(dir: string, manifest: CacheManifest, decoded?: DecodedDataset): Promise<LoadedDataset> {
  const [train, test] = decoded
    ? [decoded.train, decoded.test]
    : await Promise.all([readSplit(dir, manifest.splits.train), readSplit(dir, manifest.splits.test)]);
  return { name: manifest.dataset, classNames: manifest.classNames, train, test, normalization: manifest.normalization, source: manifest.source };
}

const shapeText = (shape: readonly number[]) => shape.join('x');
const numberText = (n: number) => n.toLocaleString('en-US');

/** The text of `scbench data info <name>`: source, cache location and state, counts, shapes, class balance. */
export async function datasetInfo(source: DatasetSource, options: FetchOptions = {}): Promise<string> {
  const { name } = source;
  const { dir } = contextOf(source, options);
  const state = await readCacheState(dir, name);
  const lines = [
    `${name}: ${source.title}`,
    `official       ${source.url}`,
    `               md5 ${source.md5}${source.bytes === undefined ? '' : `, ${numberText(source.bytes)} B`}`,
  ];
  if (state.kind !== 'valid') {
    const why = state.kind === 'invalid' ? `not usable (${state.problem}); it will be rebuilt` : 'not cached';
    lines.push(
      `cache          ${dir}: ${why}; run \`scbench fetch ${name}\``,
      `expected       ${numberText(source.counts.train)} train / ${numberText(source.counts.test)} test images of ${shapeText(source.shape)}`,
    );
    return lines.join('\n');
  }
  return [...lines, ...cachedInfo(dir, state.manifest)].join('\n');
}

/** The lines of `scbench data info` that describe a valid cache. */
function cachedInfo(dir: string, manifest: CacheManifest): string[] {
  const { train, test } = manifest.splits;
  const { source } = manifest;
  const perClass = (counts: readonly number[]) => `${numberText(Math.min(...counts))} to ${numberText(Math.max(...counts))}`;
  const lines = [
    `cache          ${dir} (format ${manifest.formatVersion}, ${formatBytes(train.bytes + test.bytes)})`,
    `decoded from   ${source.path}, ${source.md5 ? `md5 ${source.md5}` : `content ${source.contentHash}`}${source.files === undefined ? '' : `, ${numberText(source.files)} image files`}`,
    `               ${source.description}`,
    `decoding       ${manifest.decoding}`,
    `train          ${numberText(train.count)} images of ${shapeText(train.shape)}, ${perClass(train.classCounts)} a class`,
    `test           ${numberText(test.count)} images of ${shapeText(test.shape)}, ${perClass(test.classCounts)} a class`,
    `normalization  mean ${manifest.normalization.mean.join(', ')}; std ${manifest.normalization.std.join(', ')}`,
    `classes        ${manifest.classNames.length}`,
    '',
    formatTable(
      ['label', 'class', 'train', 'test'],
      manifest.classNames.map((className, label) => [label, className, train.classCounts[label], test.classCounts[label]]),
    ),
  ];
  if (manifest.skipped.length > 0) lines.push('', `skipped        ${manifest.skipped.length} file${manifest.skipped.length === 1 ? '' : 's'} that did not decode:`, ...manifest.skipped.map((s) => `  ${s.file} ${s.problem}`));
  return lines;
}

export interface AddOptions {
  cacheDir?: string;
  /** Height x width every image is stretched to; without it all images must have one size. */
  size?: readonly [number, number];
  /** For one level of class folders: the fraction of each class held out for testing. */
  testFraction?: number;
  /** Leave out files that are not readable JPEG or PNG images (listed in the manifest) instead of refusing the set. */
  skipBad?: boolean;
  quiet?: boolean;
  log?: (line: string) => void;
}

/**
 * Decodes an image folder (a folder, or a .tar, .tar.gz, .tgz or .zip of one) into the cache as data
 * set `name`, replacing what the cache held under that name. Nothing is cached when a file is bad
 * (unless `skipBad`) or the images differ in size without `size`.
 */
export async function addImageFolder(name: string, from: string, options: AddOptions = {}): Promise<CacheEntry> {
  const cacheDir = cacheRoot(options.cacheDir);
  const dir = join(cacheDir, name);
  const log = logOf(options);
  const path = resolve(from);
  return withLock(join(cacheDir, `${name}.lock`), log, async () => {
    const { files, source } = await openImageSource(path);
    try {
      log(`${name}: decoding ${files.paths.length} files of ${path}`);
      const folder = await decodeImageFolder(files, {
        size: options.size,
        testFraction: options.testFraction,
        skipBad: options.skipBad ?? false,
        quiet: options.quiet ?? false,
        label: name,
      });
      const manifest = await writeCache(dir, name, folder.decoded, {
        origin: 'added',
        source: { ...source, files: folder.files, official: false, description: 'an image folder added with scbench data add' },
        decoding: folder.decoding,
        skipped: [...folder.skipped],
      });
      for (const { file, problem } of folder.skipped) log(`${name}: skipped ${file}: it ${problem}`);
      log(`${name}: cached ${folder.decoded.train.count} train and ${folder.decoded.test.count} test images in ${dir}`);
      return { name, dir, manifest, official: false };
    } finally {
      files.close();
    }
  });
}

function addedCache(name: string, state: Awaited<ReturnType<typeof readCacheState>>, dir: string): CacheManifest {
  if (state.kind === 'absent') throw new UserError(`data set "${name}" is not in the cache ${dir}; add it with scbench data add ${name} --from <folder or archive>`);
  if (state.kind === 'invalid') throw new UserError(`data set "${name}": ${state.problem}; add it again with scbench data add`);
  return state.manifest;
}

/** An image folder added to the cache, read from it. */
export async function loadAddedDataset(name: string, options: { cacheDir?: string } = {}): Promise<LoadedDataset> {
  const dir = join(cacheRoot(options.cacheDir), name);
  return loadedFrom(dir, addedCache(name, await readCacheState(dir, name), dir));
}

/** The text of `scbench data info <name>` for an added image folder. */
export async function addedDatasetInfo(name: string, options: { cacheDir?: string } = {}): Promise<string> {
  const dir = join(cacheRoot(options.cacheDir), name);
  const manifest = addedCache(name, await readCacheState(dir, name), dir);
  return [`${name}: image folder added with scbench data add`, ...cachedInfo(dir, manifest)].join('\n');
}
