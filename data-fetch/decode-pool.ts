import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../src/errors.ts';
import { allocateSplit, type ImageSplit } from './cache.ts';
import type { DecodeReply, DecodeRequest } from './image-decode.ts';
import { countProgress } from './progress.ts';

/** One encoded image to decode: a name for messages and how to read its bytes. */
export interface EncodedImage {
  readonly name: string;
  read(): Promise<Uint8Array>;
}

export interface DecodePoolOptions {
  /** Height x width every image is stretched to; none: each keeps its own size. */
  readonly size?: readonly [number, number];
  /** Shown before the progress bar. */
  readonly label: string;
  readonly quiet: boolean;
  /** Stop handing out images once one does not decode (those already handed out finish), and word only the first. */
  readonly stopAtBad: boolean;
  /** Decoding threads; one per core by default. */
  readonly workers?: number;
  /** Receives each decoded image (in any order); throwing stops the pool and rejects with that error. */
  onImage(index: number, pixels: Uint8Array, width: number, height: number): void;
}

/** An image that did not decode, with the problem in words. */
export interface BadImage {
  readonly index: number;
  readonly problem: string;
}

/** Requests kept in flight per worker, so a worker never waits for the next image. */
const IN_FLIGHT_PER_WORKER = 8;

/** The worker's TypeScript source, loaded through tsx the way bin/scbench loads the CLI (a worker does not inherit the loader). */
function startWorker(): Worker {
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./decode-worker.ts', import.meta.url).href);
  return new Worker(`import(${api}).then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true });
}

/**
 * Decodes images on worker threads, one per core (libvips and libjpeg-turbo, one thread each), with
 * a progress bar on stderr. Resolves, once every image has been handed to onImage or found bad (or, with
 * `stopAtBad`, once the images in flight at the first bad one are done), with the bad ones in index order.
 *
 * libvips keeps one error message for the whole process, which a decode on another thread may clear or
 * replace: a bad image's problem is worded by decoding it again alone, after the pool has stopped.
 */
export async function decodeImages(images: readonly EncodedImage[], options: DecodePoolOptions): Promise<BadImage[]> {
  if (images.length === 0) return [];
  const progress = countProgress(options.label, images.length, options.quiet);
  const workers = Array.from({ length: Math.min(options.workers ?? availableParallelism(), images.length) }, startWorker);
  const bad: number[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let inFlight = 0;
      let failed = false;
      const fail = (error: unknown) => {
        failed = true;
        reject(error);
      };
      const send = async (worker: Worker) => {
        if (failed || (options.stopAtBad && bad.length > 0) || next >= images.length) return;
        const id = next++;
        inFlight++;
        const data = await images[id].read();
        const request: DecodeRequest = { id, data, size: options.size };
        worker.postMessage(request);
      };
      for (const worker of workers) {
        worker.on('error', fail);
        worker.on('message', (reply: DecodeReply) => {
          if (failed) return;
          inFlight--;
          try {
            if ('pixels' in reply) options.onImage(reply.id, reply.pixels, reply.width, reply.height);
            else bad.push(reply.id);
          } catch (error) {
            fail(error);
            return;
          }
          progress.increment();
          send(worker)
            .then(() => inFlight === 0 && resolve())
            .catch(fail);
        });
        for (let i = 0; i < IN_FLIGHT_PER_WORKER; i++) send(worker).catch(fail);
      }
    });
  } finally {
    progress.stop();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  // Imported here, so that a process which only reads the cache does not load sharp.
  const { decodeImage } = await import('./image-decode.ts');
  const worded: BadImage[] = [];
  for (const index of bad.sort((a, b) => a - b).slice(0, options.stopAtBad ? 1 : bad.length)) {
    const reply = await decodeImage({ id: index, data: await images[index].read(), size: options.size });
    if (!('pixels' in reply)) worded.push({ index, problem: reply.problem });
    // Having stopped at it, the pool never handed out the images after it: it stays bad.
    else if (options.stopAtBad) worded.push({ index, problem: 'did not decode on a worker thread, though it decodes alone' });
    else options.onImage(index, reply.pixels, reply.width, reply.height);
  }
  return worded;
}

/** An image and its label, in the order it takes in its split. */
export interface LabelledImage {
  readonly image: EncodedImage;
  readonly label: number;
}

export interface DecodedSplits {
  readonly train: ImageSplit;
  readonly test: ImageSplit;
  /** Images that did not decode and were left out (only with `skipBad`), by name, with the problem. */
  readonly skipped: readonly { readonly file: string; readonly problem: string }[];
}

/**
 * Decodes a train and a test split in one pool. Every image must decode to `shape` (height x width
 * x 3); with no shape declared, the first image decoded fixes it and an image of another size is an
 * error that asks for `--size`. An image that does not decode is an error naming it, or, with
 * `skipBad`, left out and listed.
 */
export async function decodeSplits(
  splits: { readonly train: readonly LabelledImage[]; readonly test: readonly LabelledImage[] },
  options: { shape?: readonly [number, number, number]; resize: boolean; skipBad: boolean; label: string; quiet: boolean },
): Promise<DecodedSplits> {
  const all = [...splits.train, ...splits.test];
  let shape = options.shape;
  let buffers: { train: ImageSplit; test: ImageSplit } | undefined;
  const allocate = (s: readonly [number, number, number]) => ({ train: allocateSplit(splits.train.length, s), test: allocateSplit(splits.test.length, s) });
  if (shape) buffers = allocate(shape);
  let first = '';
  const bad = await decodeImages(
    all.map((l) => l.image),
    {
      size: options.resize ? [shape![0], shape![1]] : undefined,
      label: options.label,
      quiet: options.quiet,
      stopAtBad: !options.skipBad,
      onImage(index, pixels, width, height) {
        const name = all[index].image.name;
        if (!shape) {
          shape = [height, width, 3];
          first = name;
          buffers = allocate(shape);
        }
        if (height !== shape[0] || width !== shape[1]) {
          throw new UserError(
            options.shape
              ? `${name} decodes to ${height}x${width}, expected ${shape[0]}x${shape[1]}`
              : `the images differ in size (${first} is ${shape[0]}x${shape[1]}, ${name} is ${height}x${width}): give --size HxW to resize them all`,
          );
        }
        const [split, i] = index < splits.train.length ? [buffers!.train, index] : [buffers!.test, index - splits.train.length];
        split.images.set(pixels, i * pixels.length);
        split.labels[i] = all[index].label;
      },
    },
  );
  if (bad.length > 0 && !options.skipBad) throw new UserError(`${all[bad[0].index].image.name} ${bad[0].problem} (--skip-bad leaves such files out)`);
  if (!buffers) throw new UserError(`no image decoded: ${all.length === 0 ? 'there are none' : `all ${all.length} are bad`}`);
  const skipped = bad.map(({ index, problem }) => ({ file: all[index].image.name, problem }));
  if (bad.length === 0) return { ...buffers, skipped };
  const badIndices = new Set(bad.map(({ index }) => index));
  const keep = (split: ImageSplit, offset: number) => {
    const kept = Array.from({ length: split.count }, (_, i) => i).filter((i) => !badIndices.has(offset + i));
    const compact = allocateSplit(kept.length, split.shape);
    const bytes = split.shape[0] * split.shape[1] * split.shape[2];
    kept.forEach((from, to) => {
      compact.images.set(split.images.subarray(from * bytes, (from + 1) * bytes), to * bytes);
      compact.labels[to] = split.labels[from];
    });
    return compact;
  };
  return { train: keep(buffers.train, 0), test: keep(buffers.test, splits.train.length), skipped };
}
