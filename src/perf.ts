import * as tf from '@tensorflow/tfjs-core';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initEngine, type BackendRequest, type EngineInfo } from './engine/backend.ts';
import { UserError } from './errors.ts';
import { buildNetwork, trainingFlopsPerImage } from './nn/network.ts';
import { formatTable } from './text-table.ts';
import { trainStep } from './train/loop.ts';
import { MomentumSgd } from './train/sgd.ts';

export interface ThroughputOptions {
  network: string;
  input: string;
  classes: number;
  batch: number;
  warmup: number;
  iterations: number;
  profile?: boolean;
  backend: BackendRequest;
  /** wasm's threads in each process (default 1). */
  threads?: number;
  log?: (line: string) => void;
  /** Awaited after the warm-up, before the timed iterations: lets several processes start timing together. */
  beforeTimed?: () => Promise<void>;
}

export interface Throughput {
  network: string;
  inputShape: readonly number[];
  batch: number;
  engine: EngineInfo;
  parameters: number;
  trainingGflopsPerImage: number;
  iterations: number;
  seconds: number;
  imagesPerSecond: number;
  peakRssMiB: number;
  /** Milliseconds per kernel over one training step, largest first, when profiled. */
  kernels?: { name: string; ms: number; calls: number }[];
}

/** Trains a network on one random batch for warm-up and timed iterations: the engine's training speed alone. */
export async function measureThroughput(options: ThroughputOptions): Promise<Throughput> {
  const inputShape = parseShape(options.input);
  const engine = await initEngine(options.backend, options.log, options.threads);
  const network = buildNetwork(options.network, inputShape, options.classes, 0);
  const optimizer = new MomentumSgd(network.params.trainable);
  const batch = {
    x: tf.randomNormal([options.batch, ...inputShape], 0, 1, 'float32', 1) as tf.Tensor4D,
    labels: tf.randomUniform([options.batch], 0, options.classes, 'int32', 2) as tf.Tensor1D,
    size: options.batch,
  };
  const step = () => trainStep(network, optimizer, 1e-5, batch, 0.01, 0.9);
  // Steps are launched back to back, as training launches them; the clock stops when the device has finished the last.
  const run = async (iterations: number) => {
    for (let i = 0; i < iterations - 1; i++) step().dispose();
    const last = step();
    await last.data();
    last.dispose();
  };
  try {
    await run(options.warmup);
    await options.beforeTimed?.();
    const started = performance.now();
    await run(options.iterations);
    const seconds = (performance.now() - started) / 1000;
    return {
      network: options.network,
      inputShape,
      batch: options.batch,
      engine,
      parameters: network.params.count,
      trainingGflopsPerImage: trainingFlopsPerImage(network) / 1e9,
      iterations: options.iterations,
      seconds,
      imagesPerSecond: (options.batch * options.iterations) / seconds,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      kernels: options.profile ? await profileKernels(() => run(1)) : undefined,
    };
  } finally {
    tf.dispose([batch.x, batch.labels]);
    optimizer.dispose();
    network.dispose();
  }
}

async function profileKernels(step: () => Promise<void>): Promise<Throughput['kernels']> {
  const profile = await tf.profile(step);
  const byName = new Map<string, { ms: number; calls: number }>();
  // The profile also lists op scopes (fusedConv2d__op, custom gradients) around their kernels: keep backend kernels only.
  for (const kernel of profile.kernels.filter((k) => tf.getKernel(k.name, tf.getBackend()) !== undefined)) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    const entry = byName.get(kernel.name) ?? { ms: 0, calls: 0 };
    byName.set(kernel.name, { ms: entry.ms + ms, calls: entry.calls + 1 });
  }
  return [...byName].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.ms - a.ms);
}

function parseShape(text: string): [number, number, number] {
  const dims = text.split('x').map(Number);
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UserError(`--input: expected HxWxC such as 32x32x3, got "${text}"`);
  }
  return dims as [number, number, number];
}

export function formatThroughput(t: Throughput): string {
  const lines = [
    `${t.network} at ${t.inputShape.join('x')}, batch ${t.batch}, on ${t.engine.kind}${t.engine.adapter ? ` on ${t.engine.adapter.description}` : ''}${threadsText(t.engine)} (${t.engine.packageName} ${t.engine.version})`,
    `parameters ${t.parameters}, ${t.trainingGflopsPerImage.toFixed(3)} GFLOP per training image`,
    `${t.imagesPerSecond.toFixed(1)} images/s over ${t.iterations} iterations (${t.seconds.toFixed(2)} s), peak RSS ${t.peakRssMiB.toFixed(0)} MiB`,
  ];
  if (t.kernels) {
    const total = t.kernels.reduce((sum, k) => sum + k.ms, 0);
    lines.push('', `kernel profile of one training step (${total.toFixed(0)} ms):`);
    lines.push(formatTable(['kernel', 'ms', 'share', 'calls'], t.kernels.map((k) => [k.name, k.ms.toFixed(1), `${((100 * k.ms) / total).toFixed(1)}%`, k.calls])));
  }
  return lines.join('\n');
}

/** Several processes training at once, each as measureThroughput: the machine-wide figure. */
export interface MachineThroughput {
  jobs: number;
  /** Images of all processes over the wall time from the common start to the last one's end. */
  totalImagesPerSecond: number;
  seconds: number;
  /** The largest of the processes' peak RSS. */
  peakRssMiB: number;
  processes: Throughput[];
}

export type PerfWorkerRequest = { type: 'measure'; options: Omit<ThroughputOptions, 'log' | 'beforeTimed'> } | { type: 'go' };
export type PerfWorkerReply = { type: 'warm' } | { type: 'done'; result: Throughput } | { type: 'error'; message: string };

const perfWorkerEntry = fileURLToPath(new URL('./perf-worker.ts', import.meta.url));

/**
 * Starts `jobs` worker processes, each warming up its own network; once all are warm they start their
 * timed iterations together, and the total is every image they trained over the wall time until the
 * last one finished.
 */
export async function measureMachineThroughput(options: Omit<ThroughputOptions, 'beforeTimed'>, jobs: number): Promise<MachineThroughput> {
  const { log, ...workerOptions } = options;
  const children = Array.from({ length: jobs }, () =>
    fork(perfWorkerEntry, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  try {
    const replies = children.map((child) => replyStream(child));
    for (const child of children) child.send({ type: 'measure', options: workerOptions } satisfies PerfWorkerRequest);
    await Promise.all(replies.map((next) => next('warm')));
    log?.(`${jobs} processes warmed up; timing ${options.iterations} iterations in each`);
    const started = performance.now();
    for (const child of children) child.send({ type: 'go' } satisfies PerfWorkerRequest);
    const processes = await Promise.all(replies.map(async (next) => ((await next('done')) as Extract<PerfWorkerReply, { type: 'done' }>).result));
    const seconds = (performance.now() - started) / 1000;
    return {
      jobs,
      totalImagesPerSecond: (jobs * options.batch * options.iterations) / seconds,
      seconds,
      peakRssMiB: Math.max(...processes.map((p) => p.peakRssMiB)),
      processes,
    };
  } finally {
    for (const child of children) if (child.connected) child.disconnect();
  }
}

/** Replies of one worker in order: `next(type)` resolves with the next reply, which must be of that type. */
function replyStream(child: ChildProcess): (type: PerfWorkerReply['type']) => Promise<PerfWorkerReply> {
  const queued: PerfWorkerReply[] = [];
  let waiting: ((reply: PerfWorkerReply) => void) | undefined;
  const deliver = (reply: PerfWorkerReply) => {
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve(reply);
    } else queued.push(reply);
  };
  child.on('message', deliver);
  child.on('exit', (code, signal) => deliver({ type: 'error', message: `perf worker exited (${signal ?? `code ${code}`})` }));
  return async (type) => {
    const reply = queued.shift() ?? (await new Promise<PerfWorkerReply>((resolve) => (waiting = resolve)));
    if (reply.type === 'error') throw new Error(reply.message);
    if (reply.type !== type) throw new Error(`perf worker: expected '${type}', got '${reply.type}'`);
    return reply;
  };
}

export function formatMachineThroughput(m: MachineThroughput): string {
  const first = m.processes[0];
  return [
    `${first.network} at ${first.inputShape.join('x')}, batch ${first.batch}, on ${first.engine.kind}${threadsText(first.engine)} (${first.engine.packageName} ${first.engine.version}), ${m.jobs} processes at once`,
    `${m.totalImagesPerSecond.toFixed(1)} images/s in total over ${m.seconds.toFixed(2)} s (per process: ${m.processes.map((p) => p.imagesPerSecond.toFixed(1)).join(', ')}), peak RSS per process ${m.peakRssMiB.toFixed(0)} MiB`,
  ].join('\n');
}

/** ", 2 threads" where the engine computes on more than one thread that scbench set. */
function threadsText(engine: EngineInfo): string {
  return engine.threads !== null && engine.threads > 1 ? `, ${engine.threads} threads` : '';
}
