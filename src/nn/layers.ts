import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from '../engine/batch-norm.ts';
import * as lean from '../engine/lean-gradients.ts';
import { DeviceLimitError } from '../engine/webgpu.ts';
import type { KernelInit, ParamSource } from './params.ts';

/** Height, width, channels of a feature map (NHWC without the batch), or [units] after flattening. */
export type Shape = readonly number[];

/** A built layer: its output shape, the forward pass, and its multiply-accumulates per image. */
export interface Layer {
  /** The parameter name prefix of a layer with parameters (conv2d_3, batch_normalization_2...). */
  readonly name?: string;
  readonly outputShape: Shape;
  readonly macs: number;
  apply(x: tf.Tensor, training: boolean): tf.Tensor;
}

/** Builds a layer for a given input shape, creating its parameters in the store. */
export type LayerFactory = (params: ParamSource, input: Shape) => Layer;

export interface ConvOptions {
  kernelSize?: number;
  strides?: number;
  padding?: 'same' | 'valid';
  useBias?: boolean;
  init?: KernelInit;
}

export function conv2d(filters: number, options: ConvOptions = {}): LayerFactory {
  const { kernelSize = 3, strides = 1, padding = 'same', useBias = true, init } = options;
  return (params, [h, w, c]) => {
    const name = params.layerName('conv2d');
    const kernel = params.kernel(`${name}/kernel`, [kernelSize, kernelSize, c, filters], kernelSize * kernelSize * c, kernelSize * kernelSize * filters, init);
    const bias = useBias ? params.constant(`${name}/bias`, [filters], 0, true) : undefined;
    const [outH, outW] = convOutputSize(h, w, kernelSize, strides, padding);
    return {
      name,
      outputShape: [outH, outW, filters],
      macs: outH * outW * filters * kernelSize * kernelSize * c,
      // Not tf.fused.conv2d: its gradient computes the input gradient eagerly, also for the first layer, where nothing needs it.
      apply: (x) => withBias(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding), bias),
    };
  };
}

/** Keras BatchNormalization defaults: momentum 0.99, epsilon 1e-3, biased batch variance. Takes NHWC maps or [batch, units]. */
export function batchNorm(momentum = 0.99, epsilon = 1e-3): LayerFactory {
  return (params, input) => {
    const name = params.layerName('batch_normalization');
    const channels = input[input.length - 1];
    const gamma = params.constant(`${name}/gamma`, [channels], 1, true);
    const beta = params.constant(`${name}/beta`, [channels], 0, true);
    const movingMean = params.constant(`${name}/moving_mean`, [channels], 0, false);
    const movingVariance = params.constant(`${name}/moving_variance`, [channels], 1, false);
    return {
      name,
      outputShape: input,
      macs: 0,
      apply: (x, training) => {
        if (!training) return tf.batchNorm(x, movingMean, movingVariance, beta, gamma, epsilon);
        // A dense layer's [batch, units] output is normalised as a [batch, 1, 1, units] feature map.
        const x4 = x.rank === 2 ? tf.reshape(x, [x.shape[0], 1, 1, channels]) : x;
        const { y, mean, variance } = batchNormTrain(x4 as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, epsilon);
        movingMean.assign(tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)));
        movingVariance.assign(tf.add(tf.mul(movingVariance, momentum), tf.mul(variance, 1 - momentum)));
        return x.rank === 2 ? tf.reshape(y, x.shape) : y;
      },
    };
  };
}

export const relu: LayerFactory = (_params, input) => ({ outputShape: input, macs: 0, apply: (x) => lean.relu(x) });

/** ReLU capped at 6, as Keras's ReLU(6.) in MobileNetV2. */
export const relu6: LayerFactory = (_params, input) => ({ outputShape: input, macs: 0, apply: (x) => tf.relu6(x) });

export interface DepthwiseConvOptions extends ConvOptions {
  depthMultiplier?: number;
}

/** Keras DepthwiseConv2D: one k x k filter per input channel (times the depth multiplier). */
export function depthwiseConv2d(options: DepthwiseConvOptions = {}): LayerFactory {
  const { kernelSize = 3, strides = 1, padding = 'same', useBias = true, depthMultiplier = 1 } = options;
  return (params, [h, w, c]) => {
    const name = params.layerName('depthwise_conv2d');
    // Keras computes glorot fans of the [k, k, c, multiplier] kernel as if it were a conv kernel.
    const kernel = params.kernel(`${name}/depthwise_kernel`, [kernelSize, kernelSize, c, depthMultiplier], kernelSize * kernelSize * c, kernelSize * kernelSize * depthMultiplier);
    const filters = c * depthMultiplier;
    const bias = useBias ? params.constant(`${name}/bias`, [filters], 0, true) : undefined;
    const [outH, outW] = convOutputSize(h, w, kernelSize, strides, padding);
    return {
      name,
      outputShape: [outH, outW, filters],
      macs: outH * outW * filters * kernelSize * kernelSize,
      apply: (x) => withBias(tf.depthwiseConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding), bias),
    };
  };
}

/** Appends all-zero channels up to `channels` (the parameter-free shortcut that widens a residual stream). */
export function zeroPadChannels(channels: number): LayerFactory {
  return (_params, [h, w, c]) => {
    if (channels < c) throw new Error(`zeroPadChannels: ${c} channels cannot be padded to ${channels}`);
    return {
      outputShape: [h, w, channels],
      macs: 0,
      apply: (x) => tf.pad(x, [[0, 0], [0, 0], [0, 0], [0, channels - c]]),
    };
  };
}

/**
 * Average pooling in Caffe's ceil mode: windows may run past the bottom/right edge and average
 * only the pixels inside. Built from a 'valid' pool over a zero-extended input times a fixed
 * window-size correction, because tfjs's AvgPoolGrad divides by the full window even where its
 * forward pass ('same') does not.
 */
export function ceilModeAvgPool(size: number, strides: number): LayerFactory {
  return (_params, [h, w, c]) => {
    const outH = Math.ceil((h - size) / strides) + 1;
    const outW = Math.ceil((w - size) / strides) + 1;
    const extraH = (outH - 1) * strides + size - h;
    const extraW = (outW - 1) * strides + size - w;
    const inside = (start: number, extent: number) => Math.min(start + size, extent) - start;
    const correction = new Float32Array(outH * outW);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) correction[i * outW + j] = (size * size) / (inside(i * strides, h) * inside(j * strides, w));
    }
    return {
      outputShape: [outH, outW, c],
      macs: 0,
      apply: (x) => {
        const padded = tf.pad(x, [[0, 0], [0, extraH], [0, extraW], [0, 0]]);
        return tf.mul(tf.avgPool(padded as tf.Tensor4D, size, strides, 'valid'), tf.tensor4d(correction, [1, outH, outW, 1]));
      },
    };
  };
}

/** The sum of `body` and `shortcut` (identity by default) applied to the same input. */
export function residual(body: LayerFactory, shortcut?: LayerFactory): LayerFactory {
  return (params, input) => {
    const main = body(params, input);
    const side = shortcut?.(params, input);
    const sideShape = side?.outputShape ?? input;
    if (main.outputShape.join() !== sideShape.join()) {
      throw new Error(`residual: body gives [${main.outputShape}] but the shortcut gives [${sideShape}]`);
    }
    return {
      outputShape: main.outputShape,
      macs: main.macs + (side?.macs ?? 0),
      apply: (x, training) => tf.add(main.apply(x, training), side ? side.apply(x, training) : x),
    };
  };
}

export function maxPool(size = 2): LayerFactory {
  return (_params, [h, w, c]) => ({
    outputShape: [Math.floor(h / size), Math.floor(w / size), c],
    macs: 0,
    apply: (x) => tf.maxPool(x as tf.Tensor4D, size, size, 'valid'),
  });
}

export const globalAveragePool: LayerFactory = (_params, input) => ({
  outputShape: [input[input.length - 1]],
  macs: 0,
  apply: (x) => tf.mean(x, [1, 2]),
});

export function dense(units: number, init?: KernelInit): LayerFactory {
  return (params, input) => {
    const inUnits = input[0];
    const name = params.layerName('dense');
    const kernel = params.kernel(`${name}/kernel`, [inUnits, units], inUnits, units, init);
    const bias = params.constant(`${name}/bias`, [units], 0, true);
    return {
      name,
      outputShape: [units],
      macs: inUnits * units,
      apply: (x) => tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias),
    };
  };
}

/** `factory` with every kernel that names no initialiser of its own drawn by `init`: a network ported from one source. */
export function withKernelInit(init: KernelInit, factory: LayerFactory): LayerFactory {
  return (params, input) =>
    factory(
      {
        layerName: (kind) => params.layerName(kind),
        kernel: (name, shape, fanIn, fanOut, own) => params.kernel(name, shape, fanIn, fanOut, own ?? init),
        constant: (name, shape, value, trainable) => params.constant(name, shape, value, trainable),
      },
      input,
    );
}

/** Layers applied one after the other. */
export function sequential(...factories: LayerFactory[]): LayerFactory {
  return (params, input) => {
    const layers: Layer[] = [];
    let shape = input;
    for (const factory of factories) {
      const layer = factory(params, shape);
      layers.push(layer);
      shape = layer.outputShape;
    }
    // A layer without parameters (relu, pooling) is named by the last one before it that has them.
    const labels = layers.map((l, i) => l.name ?? `after ${layers.slice(0, i).reverse().find((k) => k.name)?.name ?? 'the input'}`);
    return {
      outputShape: shape,
      macs: layers.reduce((sum, l) => sum + l.macs, 0),
      apply: (x, training) => layers.reduce((y, l, i) => withinLayer(labels[i], y, () => l.apply(y, training)), x),
    };
  };
}

/** Runs a layer's forward pass; a kernel it cannot run on the device is reported with the layer's name and input shape. */
function withinLayer(name: string, input: tf.Tensor, apply: () => tf.Tensor): tf.Tensor {
  try {
    return apply();
  } catch (error) {
    if (error instanceof DeviceLimitError && error.layer === undefined) {
      error.layer = name;
      error.message = `layer ${name} (input [${input.shape.join('x')}]): ${error.message}`;
    }
    throw error;
  }
}

function withBias(y: tf.Tensor4D, bias: tf.Variable | undefined): tf.Tensor4D {
  return bias ? lean.biasAdd(y, bias as tf.Tensor1D) : y;
}

function convOutputSize(h: number, w: number, kernel: number, strides: number, padding: 'same' | 'valid'): [number, number] {
  if (padding === 'same') return [Math.ceil(h / strides), Math.ceil(w / strides)];
  return [Math.floor((h - kernel) / strides) + 1, Math.floor((w - kernel) / strides) + 1];
}
