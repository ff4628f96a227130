import { FETCHABLE_DATASETS, loadDataset } from '../../data-fetch/index.ts';
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
  ...Object.fromEntries(FETCHABLE_DATASETS.map((name) => [name, () => loadDataset(name)])),
};

export const DATASET_NAMES: readonly string[] = Object.keys(LOADERS);

const loaded = new Map<string, Promise<ImageDataset>>();

export function loadDatasetByName(name: string): Promise<ImageDataset> {
  const load = LOADERS[name];
  if (!load) throw new UserError(`unknown dataset "${name}" (known: ${DATASET_NAMES.join(', ')})`);
  if (!loaded.has(name)) loaded.set(name, load());
  return loaded.get(name)!;
}
