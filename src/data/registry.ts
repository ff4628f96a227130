import type { AddOptions, FetchOptions } from '../../data-fetch/index.ts';
import { UserError } from '../errors.ts';
import { buildAugmentations, describeAugmentations } from './augment.ts';
import type { Augmentation, ImageDataset } from './dataset.ts';
import { datasetDescriptor, datasetNames, downloadSource, type DatasetDescriptor } from './datasets.ts';
import { loadMnist, miniMnist } from './mnist.ts';

/*
 * Loading data sets by the name suite files use, once per process. The downloadable ones are fetched
 * on demand into the cache ($SCBENCH_CACHE, else the user's cache dir; $SCBENCH_MIRROR replaces the
 * host); added image folders are read from it. data-fetch/ (archive readers, image decoding) is
 * loaded only when a cached data set is used.
 */

const EMBEDDED: Record<string, () => ImageDataset> = {
  mnist: loadMnist,
  'mnist-mini': () => miniMnist(loadMnist()),
};

/** The descriptor of a data set, or a one-line error listing the known names. */
export function requireDescriptor(name: string): DatasetDescriptor {
  const descriptor = datasetDescriptor(name);
  if (!descriptor) throw new UserError(`unknown dataset "${name}" (known: ${datasetNames().join(', ')}; an image folder becomes one with scbench data add)`);
  return descriptor;
}

const loaded = new Map<string, Promise<ImageDataset>>();

async function load(descriptor: DatasetDescriptor): Promise<ImageDataset> {
  const { origin, name } = descriptor;
  switch (origin.kind) {
    case 'embedded':
      return EMBEDDED[name]();
    case 'download':
      return (await import('../../data-fetch/index.ts')).loadDataset(downloadSource(descriptor)!);
    case 'added':
      return (await import('../../data-fetch/index.ts')).loadAddedDataset(name);
  }
}

export function loadDatasetByName(name: string): Promise<ImageDataset> {
  const descriptor = requireDescriptor(name);
  if (!loaded.has(name)) loaded.set(name, load(descriptor));
  return loaded.get(name)!;
}

/** The augmentations a data set's descriptor declares (none for an unknown name). */
export function augmentationsFor(name: string): readonly Augmentation[] {
  return buildAugmentations(datasetDescriptor(name)?.augmentations ?? []);
}

/** Downloads (or takes `from`), verifies, decodes and caches a built-in downloadable data set. */
export async function fetchByName(name: string, options: FetchOptions): Promise<string> {
  const source = downloadSource(requireDescriptor(name));
  if (!source) throw new UserError(`${name} is not downloaded: scbench fetch takes ${datasetNames().filter((n) => datasetDescriptor(n)?.origin.kind === 'download').join(', ')}`);
  return (await (await import('../../data-fetch/index.ts')).fetchDataset(source, options)).dir;
}

/** Decodes an image folder into the cache under a new name (or replacing an image folder added before); returns its cache dir. */
export async function addDataset(name: string, from: string, options: AddOptions): Promise<string> {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) throw new UserError(`name: "${name}" must be letters, digits, _ and -, starting with a letter or digit`);
  const existing = datasetDescriptor(name, options.cacheDir);
  if (existing && existing.origin.kind !== 'added') throw new UserError(`name: ${name} is a built-in data set; choose another name`);
  return (await (await import('../../data-fetch/index.ts')).addImageFolder(name, from, options)).dir;
}

/** The text of `scbench data info <name>`: counts, shapes, class balance, where the data lives, augmentation. */
export async function describeDataset(name: string, options: { cacheDir?: string } = {}): Promise<string> {
  const descriptor = datasetDescriptor(name, options.cacheDir) ?? requireDescriptor(name);
  const augment = `augmentation   ${describeAugmentations(descriptor.augmentations)}`;
  const { origin } = descriptor;
  if (origin.kind === 'download') return `${await (await import('../../data-fetch/index.ts')).datasetInfo(downloadSource(descriptor)!, options)}\n${augment}`;
  if (origin.kind === 'added') return `${await (await import('../../data-fetch/index.ts')).addedDatasetInfo(name, options)}\n${augment}`;
  const dataset = await loadDatasetByName(name);
  const lines = [`${name}: embedded, from ${origin.from}`];
  for (const [splitName, split] of [['train', dataset.train], ['test', dataset.test]] as const) {
    const perClass = new Array<number>(dataset.classNames.length).fill(0);
    for (const label of split.labels) perClass[label]++;
    lines.push(`${splitName.padEnd(6)} ${split.count} images of ${split.shape.join('x')}, ${Math.min(...perClass)} to ${Math.max(...perClass)} a class`);
  }
  lines.push(`classes ${dataset.classNames.join(' ')}`, augment);
  return lines.join('\n');
}
