import * as tf from '@tensorflow/tfjs-core';
import { seededRandom } from '../random.ts';

/** One named tensor of a network: a trained weight or a non-trained state such as a batch-norm moving mean. */
export interface Param {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly trainable: boolean;
  /** Conv and dense kernels carry the L2 weight-decay penalty; biases and batch-norm parameters do not. */
  readonly decayed: boolean;
}

/**
 * How a kernel starts: Keras's glorot_uniform (the default); Keras 2.1's he_normal, a normal of standard deviation
 * sqrt(2 / fanIn) truncated at two of them (redrawn beyond, as TensorFlow's truncated_normal; Keras 2.2.3 and later
 * widen it by 1 / 0.8796 so that the truncated draws have that deviation); or Caffe's fillers for networks ported from
 * Caffe: msra, N(0, sqrt(2 / fanIn)); xavier, U(-l, l) with l = sqrt(3 / fanIn) (Caffe's default FAN_IN variance norm).
 */
export type KernelInit = 'glorot-uniform' | 'keras-he-normal' | 'caffe-msra' | 'caffe-xavier';

/** What a layer factory asks for while it is built: unique layer names and its parameters. */
export interface ParamSource {
  layerName(kind: string): string;
  kernel(name: string, shape: number[], fanIn: number, fanOut: number, init?: KernelInit): tf.Variable;
  constant(name: string, shape: number[], value: number, trainable: boolean): tf.Variable;
}

/** Unique layer names in Keras style: conv2d, conv2d_1, ... */
class LayerNames {
  private readonly counters = new Map<string, number>();

  next(kind: string): string {
    const n = this.counters.get(kind) ?? 0;
    this.counters.set(kind, n + 1);
    return n === 0 ? kind : `${kind}_${n}`;
  }
}

/**
 * Creates and owns a network's tensors, in creation order (which is the checkpoint order), with
 * Keras's default initialisers drawn from one seeded stream so the same seed gives the same network
 * on every backend.
 */
export class ParamStore implements ParamSource {
  /** Every parameter (weights and batch-norm statistics), in the order the layers created them. */
  readonly all: Param[] = [];
  private readonly random: () => number;
  private readonly names = new LayerNames();

  constructor(seed: number) {
    this.random = seededRandom('init', seed);
  }

  layerName(kind: string): string {
    return this.names.next(kind);
  }

  /** A kernel drawn by `init` (KernelInit) from the store's seeded stream. */
  kernel(name: string, shape: number[], fanIn: number, fanOut: number, init: KernelInit = 'glorot-uniform'): tf.Variable {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (init === 'caffe-msra' || init === 'keras-he-normal') {
      const std = Math.sqrt(2 / fanIn);
      const draw = init === 'caffe-msra' ? () => this.standardNormal() : () => this.truncatedStandardNormal();
      for (let i = 0; i < values.length; i++) values[i] = std * draw();
    } else {
      const limit = init === 'caffe-xavier' ? Math.sqrt(3 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < values.length; i++) values[i] = (2 * this.random() - 1) * limit;
    }
    return this.add(name, tf.tensor(values, shape), { trainable: true, decayed: true });
  }

  /** Box-Muller from two uniforms of the stream (1 - u keeps the logarithm finite). */
  private standardNormal(): number {
    const u = 1 - this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  private truncatedStandardNormal(): number {
    for (;;) {
      const z = this.standardNormal();
      if (Math.abs(z) <= 2) return z;
    }
  }

  constant(name: string, shape: number[], value: number, trainable: boolean): tf.Variable {
    return this.add(name, tf.fill(shape, value), { trainable, decayed: false });
  }

  get trainable(): tf.Variable[] {
    return this.all.filter((p) => p.trainable).map((p) => p.variable);
  }

  get decayed(): tf.Variable[] {
    return this.all.filter((p) => p.decayed).map((p) => p.variable);
  }

  /** Number of scalars, trained and not, as Keras's model.count_params() plus non-trainable weights. */
  get count(): number {
    return this.all.reduce((sum, p) => sum + p.variable.size, 0);
  }

  dispose(): void {
    for (const p of this.all) p.variable.dispose();
  }

  private add(name: string, initial: tf.Tensor, flags: { trainable: boolean; decayed: boolean }): tf.Variable {
    // tfjs variable names are global to the process; ours only need to be unique within the network.
    const variable = tf.variable(initial, flags.trainable);
    initial.dispose();
    this.all.push({ name, variable, ...flags });
    return variable;
  }
}

/**
 * Builds a network's shapes without allocating anything, so its size and cost are known without an engine
 * (shard balancing). Its parameters are placeholders that throw if a forward pass ever reaches them.
 */
export class ParamCounter implements ParamSource {
  count = 0;
  private readonly names = new LayerNames();

  layerName(kind: string): string {
    return this.names.next(kind);
  }

  kernel(name: string, shape: number[]): tf.Variable {
    return this.placeholder(name, shape);
  }

  constant(name: string, shape: number[]): tf.Variable {
    return this.placeholder(name, shape);
  }

  private placeholder(name: string, shape: number[]): tf.Variable {
    this.count += shape.reduce((a, b) => a * b, 1);
    return new Proxy({} as tf.Variable, {
      get: () => {
        throw new Error(`${name}: a network built by ParamCounter has shapes only and cannot run`);
      },
    });
  }
}
