import * as tf from '@tensorflow/tfjs-core';
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
  log?: (line: string) => void;
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
  const engine = await initEngine(options.backend, options.log);
  const network = buildNetwork(options.network, inputShape, options.classes, 0);
  const optimizer = new MomentumSgd(network.params.trainable);
  const batch = {
    x: tf.randomNormal([options.batch, ...inputShape], 0, 1, 'float32', 1) as tf.Tensor4D,
    labels: tf.randomUniform([options.batch], 0, options.classes, 'int32', 2) as tf.Tensor1D,
    size: options.batch,
  };
  const step = () => trainStep(network, optimizer, 1e-5, batch, 0.01, 0.9);
  try {
    for (let i = 0; i < options.warmup; i++) step();
    const started = performance.now();
    for (let i = 0; i < options.iterations; i++) step();
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
      kernels: options.profile ? await profileKernels(step) : undefined,
    };
  } finally {
    tf.dispose([batch.x, batch.labels]);
    optimizer.dispose();
    network.dispose();
  }
}

async function profileKernels(step: () => void): Promise<Throughput['kernels']> {
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
    `${t.network} at ${t.inputShape.join('x')}, batch ${t.batch}, on ${t.engine.kind} (${t.engine.packageName} ${t.engine.version})`,
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
