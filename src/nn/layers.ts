import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from '../engine/batch-norm.ts';
import type { ParamStore } from './params.ts';

/** Height, width, channels of a feature map (NHWC without the batch), or [units] after flattening. */
export type Shape = readonly number[];

/** A built layer: its output shape, the forward pass, and its multiply-accumulates per image. */
export interface Layer {
  readonly outputShape: Shape;
  readonly macs: number;
  apply(x: tf.Tensor, training: boolean): tf.Tensor;
}

/** Builds a layer for a given input shape, creating its parameters in the store. */
export type LayerFactory = (params: ParamStore, input: Shape) => Layer;

export interface ConvOptions {
  kernelSize?: number;
  strides?: number;
  padding?: 'same' | 'valid';
  useBias?: boolean;
}

export function conv2d(filters: number, options: ConvOptions = {}): LayerFactory {
  const { kernelSize = 3, strides = 1, padding = 'same', useBias = true } = options;
  return (params, [h, w, c]) => {
    const name = params.layerName('conv2d');
    const kernel = params.kernel(`${name}/kernel`, [kernelSize, kernelSize, c, filters], kernelSize * kernelSize * c, kernelSize * kernelSize * filters);
    const bias = useBias ? params.constant(`${name}/bias`, [filters], 0, true) : undefined;
    const [outH, outW] = convOutputSize(h, w, kernelSize, strides, padding);
    return {
      outputShape: [outH, outW, filters],
      macs: outH * outW * filters * kernelSize * kernelSize * c,
      apply: (x) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: kernel as tf.Tensor4D, strides, pad: padding, bias }),
    };
  };
}

/** Keras BatchNormalization defaults: momentum 0.99, epsilon 1e-3, biased batch variance. */
export function batchNorm(momentum = 0.99, epsilon = 1e-3): LayerFactory {
  return (params, input) => {
    const name = params.layerName('batch_normalization');
    const channels = input[input.length - 1];
    const gamma = params.constant(`${name}/gamma`, [channels], 1, true);
    const beta = params.constant(`${name}/beta`, [channels], 0, true);
    const movingMean = params.constant(`${name}/moving_mean`, [channels], 0, false);
    const movingVariance = params.constant(`${name}/moving_variance`, [channels], 1, false);
    return {
      outputShape: input,
      macs: 0,
      apply: (x, training) => {
        if (!training) return tf.batchNorm(x, movingMean, movingVariance, beta, gamma, epsilon);
        const { y, mean, variance } = batchNormTrain(x as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, epsilon);
        movingMean.assign(tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)));
        movingVariance.assign(tf.add(tf.mul(movingVariance, momentum), tf.mul(variance, 1 - momentum)));
        return y;
      },
    };
  };
}

export const relu: LayerFactory = (_params, input) => ({ outputShape: input, macs: 0, apply: (x) => tf.relu(x) });

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

export function dense(units: number): LayerFactory {
  return (params, input) => {
    const inUnits = input[0];
    const name = params.layerName('dense');
    const kernel = params.kernel(`${name}/kernel`, [inUnits, units], inUnits, units);
    const bias = params.constant(`${name}/bias`, [units], 0, true);
    return {
      outputShape: [units],
      macs: inUnits * units,
      apply: (x) => tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias),
    };
  };
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
    return {
      outputShape: shape,
      macs: layers.reduce((sum, l) => sum + l.macs, 0),
      apply: (x, training) => layers.reduce((y, l) => l.apply(y, training), x),
    };
  };
}

function convOutputSize(h: number, w: number, kernel: number, strides: number, padding: 'same' | 'valid'): [number, number] {
  if (padding === 'same') return [Math.ceil(h / strides), Math.ceil(w / strides)];
  return [Math.floor((h - kernel) / strides) + 1, Math.floor((w - kernel) / strides) + 1];
}
