/*
 * Test fixtures: small archives in the exact layouts of the real ones (tar.gz built by the tar
 * package, zip by a minimal writer below, JPEGs encoded by sharp), and a local HTTP server that can
 * drop a connection, ignore Range, or fail with 503, and records every request.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import sharp from 'sharp';
import * as tar from 'tar';
import { seededRandom } from '../src/random.ts';
import { BUILT_IN_DATASETS, downloadSource } from '../src/data/datasets.ts';
import type { DatasetSource, Oxflower17Layout } from './sources.ts';

const DATASET_SOURCES = {
  cifar10: downloadSource(BUILT_IN_DATASETS.cifar10)!,
  oxflower17: downloadSource(BUILT_IN_DATASETS.oxflower17)!,
  tinyimagenet: downloadSource(BUILT_IN_DATASETS.tinyimagenet)!,
};

export type RGB = readonly [number, number, number];

export async function makeTempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'scbench-data-fetch-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

/** A built archive and the table entry that describes it (its URL is set once a server serves it). */
export interface Fixture {
  readonly archive: Buffer;
  readonly source: DatasetSource;
}

function describe(base: DatasetSource, archive: Buffer, changes: Partial<DatasetSource>): Fixture {
  return { archive, source: { ...base, url: 'http://127.0.0.1:1/unset', md5: md5(archive), bytes: archive.length, ...changes } };
}

async function writeTree(root: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [path, data] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), data);
  }
}

/** tar.gz of the given files, members named by their relative path (in the order given). */
export async function tarGz(files: Record<string, Buffer | string>, options: { preservePaths?: boolean } = {}): Promise<Buffer> {
  const temp = await makeTempDir();
  try {
    const root = join(temp.path, 'root');
    // A '../name' member is written beside root, still inside the temp dir.
    await writeTree(root, files);
    const file = join(temp.path, 'out.tar.gz');
    await tar.c({ gzip: true, cwd: root, file, portable: true, preservePaths: options.preservePaths }, Object.keys(files));
    return await readFile(file);
  } finally {
    await temp.remove();
  }
}

/** A zip with deflated members (directories as empty members ending in '/'). */
export function zip(files: Record<string, Buffer | string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// ---------------------------------------------------------------- CIFAR-10

export const CIFAR_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export interface CifarRecord {
  readonly label: number;
  /** 32x32x3 in HWC order: what the decoder must produce. */
  readonly hwc: Uint8Array;
}

/** One batch file: records of a label byte and the R, G, B planes of the HWC image. */
export function cifarBatch(records: readonly CifarRecord[]): Buffer {
  const data = Buffer.alloc(records.length * 3073);
  records.forEach(({ label, hwc }, r) => {
    data[r * 3073] = label;
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) data[r * 3073 + 1 + c * 1024 + p] = hwc[p * 3 + c];
  });
  return data;
}

export function cifarRecords(count: number, seed: string): CifarRecord[] {
  const random = seededRandom('cifar-fixture', seed);
  return Array.from({ length: count }, () => ({
    label: Math.floor(random() * 10),
    hwc: Uint8Array.from({ length: 3072 }, () => Math.floor(random() * 256)),
  }));
}

/** The cifar-10-batches-bin member files: 5 train batches and the test batch of `perBatch` records, the meta file, the readme. */
export function cifarMembers(perBatch: number): { files: Record<string, Buffer | string>; train: CifarRecord[]; test: CifarRecord[] } {
  const batches = Array.from({ length: 5 }, (_, b) => cifarRecords(perBatch, `train-${b}`));
  const test = cifarRecords(perBatch, 'test');
  const files: Record<string, Buffer | string> = { 'cifar-10-batches-bin/batches.meta.txt': `${CIFAR_CLASSES.join('\n')}\n\n` };
  batches.forEach((records, b) => (files[`cifar-10-batches-bin/data_batch_${b + 1}.bin`] = cifarBatch(records)));
  files['cifar-10-batches-bin/test_batch.bin'] = cifarBatch(test);
  files['cifar-10-batches-bin/readme.html'] = '<html></html>\n';
  return { files, train: batches.flat(), test };
}

export async function cifarFixture(perBatch = 4): Promise<Fixture & { train: CifarRecord[]; test: CifarRecord[] }> {
  const { files, train, test } = cifarMembers(perBatch);
  const archive = await tarGz(files);
  return { ...describe(DATASET_SOURCES.cifar10, archive, { counts: { train: train.length, test: test.length } }), train, test };
}

// ---------------------------------------------------------------- Oxflower17

/** Image n has its left quarter in one colour, the rest in another. */
export function flowerColours(n: number): { left: RGB; right: RGB } {
  return { left: [(n * 37) % 200, (n * 91) % 200, 40 + ((n * 53) % 200)], right: [255 - ((n * 29) % 120), (n * 17) % 256, (n * 71) % 120] };
}

async function leftQuarterJpeg(width: number, height: number, left: RGB, right: RGB): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.set(x < width / 4 ? left : right, (y * width + x) * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
}

export async function oxflowerFixture(imagesPerClass = 4): Promise<Fixture> {
  const base = DATASET_SOURCES.oxflower17;
  const layout: Oxflower17Layout = { ...(base.layout as Oxflower17Layout), imagesPerClass };
  const total = base.classNames!.length * imagesPerClass;
  const files: Record<string, Buffer | string> = {};
  const names: string[] = [];
  for (let n = 1; n <= total; n++) {
    const { left, right } = flowerColours(n);
    // Sizes vary like the real photos' do; every one is stretched to the declared 224x224.
    const name = `jpg/image_${String(n).padStart(4, '0')}.jpg`;
    files[name] = await leftQuarterJpeg(32 + 16 * (n % 3), 24 + 8 * (n % 2), left, right);
    names.push(name.slice(4));
  }
  files['jpg/files.txt'] = `${names.join('\n')}\n`;
  const archive = await tarGz(files);
  const testPerClass = Math.round(layout.testFraction * imagesPerClass);
  return describe(base, archive, {
    layout,
    counts: { train: total - testPerClass * base.classNames!.length, test: testPerClass * base.classNames!.length },
  });
}

// ---------------------------------------------------------------- TinyImageNet

export const TINY_WNIDS = ['n01443537', 'n01629819', 'n01641577'];
export const TINY_WORDS: Record<string, string> = {
  n01443537: 'goldfish, Carassius auratus',
  n01629819: 'European fire salamander, Salamandra salamandra',
  n01641577: 'bullfrog, Rana catesbeiana',
};

/** A 64x64 image of four 32x32 quadrants (top-left, top-right, bottom-left, bottom-right). */
export function tinyQuadrants(seed: number): RGB[] {
  return [0, 1, 2, 3].map((q) => [(seed * 53 + q * 61) % 256, (seed * 97 + q * 29 + 80) % 256, (seed * 31 + q * 113) % 256] as const);
}

async function quadrantsJpeg(quadrants: readonly RGB[], grayscale: boolean): Promise<Buffer> {
  const pixels = Buffer.alloc(64 * 64 * 3);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) pixels.set(quadrants[(y >= 32 ? 2 : 0) + (x >= 32 ? 1 : 0)], (y * 64 + x) * 3);
  const image = sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } });
  return (grayscale ? image.toColourspace('b-w') : image).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
}

export interface TinyImage {
  readonly member: string;
  readonly label: number;
  /** The number in the file name. */
  readonly k: number;
  readonly quadrants: RGB[];
  readonly grayscale: boolean;
}

/** The members of tiny-imagenet-200.zip, with `trainPerClass` train and `valPerClass` val images a class; train image 1 of class 1 is grayscale. */
export async function tinyMembers(
  trainPerClass: number,
  valPerClass: number,
): Promise<{ files: Record<string, Buffer | string>; train: TinyImage[]; val: TinyImage[] }> {
  const root = 'tiny-imagenet-200';
  const files: Record<string, Buffer | string> = {
    [`${root}/`]: '',
    [`${root}/wnids.txt`]: `${TINY_WNIDS.join('\n')}\n`,
    // words.txt lists every ImageNet synset, more than the 200 used.
    [`${root}/words.txt`]: `n00001740\tentity\n${TINY_WNIDS.map((w) => `${w}\t${TINY_WORDS[w]}`).join('\n')}\nn15102894\tbreakwater\n`,
  };
  const train: TinyImage[] = [];
  let seed = 1;
  // Members in reverse class order and with k = 10 before k = 2, so the decoder's own order shows.
  for (const [label, wnid] of [...TINY_WNIDS.entries()].reverse()) {
    files[`${root}/train/${wnid}/${wnid}_boxes.txt`] = '';
    for (const k of Array.from({ length: trainPerClass }, (_, i) => (i === 0 ? trainPerClass + 8 : i)).reverse()) {
      const member = `${root}/train/${wnid}/images/${wnid}_${k}.JPEG`;
      const image: TinyImage = { member, label, k, quadrants: tinyQuadrants(seed++), grayscale: label === 1 && k === 1 };
      if (image.grayscale) image.quadrants.forEach((q, i, all) => (all[i] = [q[0], q[0], q[0]]));
      files[member] = await quadrantsJpeg(image.quadrants, image.grayscale);
      train.push(image);
    }
  }
  const val: TinyImage[] = [];
  const annotations: string[] = [];
  for (let i = 0; i < valPerClass * TINY_WNIDS.length; i++) {
    const label = (i * 2) % TINY_WNIDS.length;
    const member = `${root}/val/images/val_${i}.JPEG`;
    const image: TinyImage = { member, label, k: i, quadrants: tinyQuadrants(seed++), grayscale: false };
    files[member] = await quadrantsJpeg(image.quadrants, false);
    annotations.push(`val_${i}.JPEG\t${TINY_WNIDS[label]}\t0\t3\t60\t61`);
    val.push(image);
  }
  files[`${root}/val/val_annotations.txt`] = `${annotations.join('\n')}\n`;
  files[`${root}/test/images/test_0.JPEG`] = await quadrantsJpeg(tinyQuadrants(999), false);
  train.sort((a, b) => a.label - b.label || a.k - b.k);
  return { files, train, val };
}

export async function tinyFixture(trainPerClass = 3, valPerClass = 2): Promise<Fixture & { train: TinyImage[]; val: TinyImage[] }> {
  const { files, train, val } = await tinyMembers(trainPerClass, valPerClass);
  const archive = zip(files);
  return { ...describe(DATASET_SOURCES.tinyimagenet, archive, { counts: { train: train.length, test: val.length } }), train, val };
}

// ---------------------------------------------------------------- server

export interface ServerBehaviour {
  /** Answer Range requests with 206 (true) or ignore them and send the whole file with 200. */
  ranges: boolean;
  /** Close the connection after this many body bytes of the next response (once). */
  cutAfter?: number;
  /** Answer the next this-many requests with 503. */
  failures: number;
}

export interface ArchiveServer {
  readonly base: string;
  readonly requests: { path: string; range?: string }[];
  readonly behaviour: ServerBehaviour;
  close(): Promise<void>;
}

/** Serves `files` (by URL path) on 127.0.0.1 at a random port. */
export async function startArchiveServer(files: Record<string, Buffer>): Promise<ArchiveServer> {
  const requests: ArchiveServer['requests'] = [];
  const behaviour: ServerBehaviour = { ranges: true, failures: 0 };
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push({ path, range: request.headers.range });
    const body = files[path];
    if (!body) return void response.writeHead(404).end();
    if (behaviour.failures > 0) {
      behaviour.failures--;
      return void response.writeHead(503).end();
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = behaviour.ranges && range ? Number(range[1]) : 0;
    if (behaviour.ranges && range) {
      response.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      response.writeHead(200, { 'content-length': body.length });
    }
    const rest = body.subarray(start);
    const cut = behaviour.cutAfter;
    if (cut === undefined) return void response.end(rest);
    behaviour.cutAfter = undefined;
    response.write(rest.subarray(0, cut), () => response.socket?.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    behaviour,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves one fixture at /<path of its real URL> and returns its source pointed there. */
export async function serveFixture(fixture: Fixture): Promise<{ server: ArchiveServer; source: DatasetSource }> {
  const path = new URL(downloadSource(BUILT_IN_DATASETS[fixture.source.name])!.url).pathname;
  const server = await startArchiveServer({ [path]: fixture.archive });
  return { server, source: { ...fixture.source, url: `${server.base}${path}` } };
}
