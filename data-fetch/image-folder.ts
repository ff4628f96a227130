import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { UserError } from '../src/errors.ts';
import { openZip, readTarMembers } from './archive.ts';
import type { DecodedDataset, SourceRecord } from './cache.ts';
import { decodeSplits, type DecodedSplits, type LabelledImage } from './decode-pool.ts';
import { md5OfFile } from './download.ts';
import { stratifiedSplit } from './split.ts';

/*
 * Image-folder data sets, the layout of torchvision's ImageFolder and Keras's
 * image_dataset_from_directory: <root>/train/<class>/<image> and <root>/test/<class>/<image> (or val/),
 * or one level of class folders, <root>/<class>/<image>, split by a declared seeded stratified test
 * fraction. <root> is the folder or archive given, or the one folder that alone holds everything in it.
 */

/** Seed of the stratified split of a one-level image folder (recorded in the manifest's decoding). */
export const IMAGE_FOLDER_SPLIT_SEED = 'image-folder-split-v1';

/** The files of a folder or an archive, by path relative to it ('/'-separated), read on demand. */
export interface FileSet {
  /** The folder's or archive's file name, for messages. */
  readonly name: string;
  readonly paths: readonly string[];
  read(path: string): Promise<Uint8Array>;
  close(): void;
}

/** A folder or archive opened, with what identifies it: its path and the archive's md5 or the folder's content hash. */
export interface ImageSource {
  readonly files: FileSet;
  readonly source: Pick<SourceRecord, 'path' | 'md5' | 'contentHash'>;
}

/** Hidden files and folders (.DS_Store, ._ resource forks) and __MACOSX are no part of an image folder. */
const ignored = (path: string) => path.split('/').some((segment) => segment.startsWith('.') || segment === '__MACOSX');

const byNumberInName = new Intl.Collator('en', { numeric: true }).compare;

/** The regular files of a folder, with a sha256 over every file's relative path and bytes, in path order. */
async function openFolder(folder: string): Promise<ImageSource> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !ignored(path))
    .sort();
  const hash = createHash('sha256');
  for (const path of paths) hash.update(`${path}\0`).update(await readFile(join(folder, path)));
  const files = { name: basename(folder), paths, read: (path: string) => readFile(join(folder, path)), close() {} };
  return { files, source: { path: folder, contentHash: `sha256:${hash.digest('hex')}` } };
}

/** Whether a tar member belongs to an image folder (not a hidden file). */
export const imageFolderMember = (path: string) => !ignored(path);

/** A FileSet over tar members already read. */
export function tarFiles(archive: string, members: ReadonlyMap<string, Buffer>): FileSet {
  return { name: basename(archive), paths: [...members.keys()].filter(imageFolderMember).sort(), read: async (path) => members.get(path)!, close() {} };
}

/** A folder, or a .tar, .tar.gz, .tgz or .zip archive (tar read into memory, zip members on demand). */
export async function openImageSource(path: string): Promise<ImageSource> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UserError(`from: ${path} does not exist`);
  if (info.isDirectory()) return openFolder(path);
  if (!/\.(tar|tar\.gz|tgz|zip)$/i.test(path)) throw new UserError(`from: ${path} is neither a folder nor a .tar, .tar.gz, .tgz or .zip archive`);
  const source = { path, md5: await md5OfFile(path) };
  if (/\.zip$/i.test(path)) {
    const zip = await openZip(path);
    const paths = [...zip.members.keys()].filter(imageFolderMember).sort();
    return { files: { name: basename(path), paths, read: (p) => zip.read(p), close: () => zip.close() }, source };
  }
  return { files: tarFiles(path, await readTarMembers(path, imageFolderMember)), source };
}

interface FolderLayout {
  /** The folder inside the file set that holds the classes or train/ and test/ ('' for its top). */
  readonly root: string;
  /** 'test' or 'val' for a set split into folders; absent for one level of class folders. */
  readonly testFolder?: 'test' | 'val';
  /** Files by class folder name, per split ('all' for one level of class folders). */
  readonly files: ReadonlyMap<string, ReadonlyMap<string, string[]>>;
}

/** The deepest folder that alone holds every file. */
function commonRoot(paths: readonly string[]): string {
  let root = '';
  for (;;) {
    const rest = paths.map((p) => p.slice(root.length).split('/'));
    if (rest.some((segments) => segments.length < 2)) return root;
    const children = new Set(rest.map((segments) => segments[0]));
    if (children.size !== 1) return root;
    root += `${[...children][0]}/`;
  }
}

function layoutOf(files: FileSet, label: string): FolderLayout {
  if (files.paths.length === 0) throw new UserError(`${label} holds no files`);
  const root = commonRoot(files.paths);
  const relativePaths = files.paths.map((p) => p.slice(root.length));
  const expected = 'expected <class>/<image>, or train/<class>/<image> and test/<class>/<image> (or val/)';
  const top = new Set(relativePaths.map((p) => p.split('/')[0]));
  const split = top.has('train');
  if (split && top.has('test') && top.has('val')) throw new UserError(`${label} has both test/ and val/ beside train/: keep one`);
  const testFolder = !split ? undefined : top.has('test') ? 'test' : top.has('val') ? 'val' : undefined;
  if (split && !testFolder) throw new UserError(`${label} has train/ but neither test/ nor val/ beside it`);
  const byFolder = new Map<string, Map<string, string[]>>();
  relativePaths.forEach((path, i) => {
    const segments = path.split('/');
    const [splitName, className] = split ? [segments[0], segments[1]] : ['all', segments[0]];
    if (segments.length !== (split ? 3 : 2) || (split && splitName !== 'train' && splitName !== testFolder)) {
      throw new UserError(`${files.paths[i]} in ${label} is not where an image folder keeps images (${expected})`);
    }
    if (!byFolder.has(splitName)) byFolder.set(splitName, new Map());
    const classes = byFolder.get(splitName)!;
    if (!classes.has(className)) classes.set(className, []);
    classes.get(className)!.push(files.paths[i]);
  });
  return { root, testFolder, files: byFolder };
}

export interface ImageFolderOptions {
  /** Height x width to stretch every image to; without it every image must have the same size. */
  readonly size?: readonly [number, number];
  /** Required for one level of class folders, refused for a set split into folders. */
  readonly testFraction?: number;
  /** The class names the folders must be, exactly, in label order (a copy of a built-in set); default: the folder names sorted. */
  readonly classOrder?: readonly string[];
  readonly skipBad: boolean;
  readonly quiet: boolean;
  /** Names the set in messages and the progress bar. */
  readonly label: string;
}

export interface DecodedImageFolder {
  readonly decoded: DecodedDataset;
  readonly skipped: DecodedSplits['skipped'];
  readonly files: number;
  readonly decoding: string;
}

/** Decodes an image folder's files: layout, class order, split, then every image on the decode pool. */
export async function decodeImageFolder(files: FileSet, options: ImageFolderOptions): Promise<DecodedImageFolder> {
  const where = files.name;
  const layout = layoutOf(files, where);
  const folderClasses = [...new Set([...layout.files.values()].flatMap((classes) => [...classes.keys()]))].sort();
  const classNames = options.classOrder ?? folderClasses;
  if (options.classOrder) {
    const missing = options.classOrder.filter((name) => !folderClasses.includes(name));
    const extra = folderClasses.filter((name) => !options.classOrder!.includes(name));
    if (missing.length > 0 || extra.length > 0) {
      throw new UserError(
        `${where} has class folders ${folderClasses.join(', ')}; ${options.label} needs exactly ${options.classOrder.join(', ')}` +
          `${missing.length > 0 ? ` (missing: ${missing.join(', ')})` : ''}${extra.length > 0 ? ` (not a class: ${extra.join(', ')})` : ''}`,
      );
    }
  }
  const byClass = (classes: ReadonlyMap<string, string[]> | undefined) => classNames.map((name) => [...(classes?.get(name) ?? [])].sort(byNumberInName));
  const image = (path: string) => ({ name: path, read: () => files.read(path) });
  const labelled = (lists: string[][]): LabelledImage[] => lists.flatMap((paths, label) => paths.map((path) => ({ image: image(path), label })));
  let splits: { train: LabelledImage[]; test: LabelledImage[] };
  let splitText: string;
  if (layout.testFolder) {
    if (options.testFraction !== undefined) throw new UserError(`test-fraction: ${where} is already split into train/ and ${layout.testFolder}/`);
    const trainClasses = [...layout.files.get('train')!.keys()];
    const stray = [...(layout.files.get(layout.testFolder)?.keys() ?? [])].filter((name) => !trainClasses.includes(name));
    if (stray.length > 0) throw new UserError(`${where}: ${layout.testFolder}/ has classes that train/ lacks: ${stray.join(', ')}`);
    splits = { train: labelled(byClass(layout.files.get('train'))), test: labelled(byClass(layout.files.get(layout.testFolder))) };
    splitText = `${layout.root}train/<class>/ to train, ${layout.root}${layout.testFolder}/<class>/ to test`;
  } else {
    if (options.testFraction === undefined) throw new UserError(`test-fraction: ${where} is one level of class folders; give --test-fraction F to split it`);
    const parts = stratifiedSplit(byClass(layout.files.get('all')), options.testFraction, IMAGE_FOLDER_SPLIT_SEED);
    const toImages = (list: { item: string; label: number }[]) => list.map(({ item, label }) => ({ image: image(item), label }));
    splits = { train: toImages(parts.train), test: toImages(parts.test) };
    splitText = `${layout.root}<class>/ split stratified, round(${options.testFraction} x class size) of each class to test by a permutation seeded "${IMAGE_FOLDER_SPLIT_SEED}"`;
  }
  const decoded = await decodeSplits(splits, {
    shape: options.size ? [options.size[0], options.size[1], 3] : undefined,
    resize: options.size !== undefined,
    skipBad: options.skipBad,
    label: options.label,
    quiet: options.quiet,
  });
  const decoding = [
    `image folder: ${splitText}`,
    options.classOrder ? `class folders mapped to ${options.label}'s label order` : 'labels = class folder names in sorted order',
    'JPEG and PNG decoded by sharp (libvips: libjpeg-turbo, libpng) to 3-channel sRGB (grayscale converted, alpha dropped)',
    options.size ? `stretched to ${options.size[0]}x${options.size[1]} (fit 'fill', aspect ratio not kept, lanczos3)` : 'kept at their size',
    'files and folders named .* or __MACOSX ignored',
  ].join('; ');
  return {
    decoded: { classNames, train: decoded.train, test: decoded.test },
    skipped: decoded.skipped,
    files: splits.train.length + splits.test.length,
    decoding,
  };
}
