import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.ts';
import type { LayerFactory, Shape } from './layers.ts';
import { miniMobileNetV2 } from './mini-mobilenetv2.ts';
import { KERAS_ALPHAS, mobileNetV2 } from './mobilenetv2.ts';
import { ParamCounter, ParamStore } from './params.ts';
import { resnet56 } from './resnet56.ts';
import { simpleCnn } from './simple-cnn.ts';
import { vgg16bn } from './vgg16bn.ts';

/** A built network: its parameters and a forward pass to class logits. */
export interface Network {
  readonly name: string;
  readonly inputShape: Shape;
  readonly classes: number;
  readonly params: ParamStore;
  /** Multiply-accumulates of one forward pass of one image. */
  readonly macsPerImage: number;
  logits(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  dispose(): void;
}

/** Architectures by the name suite files use; each is a function of the input shape and class count. */
const ARCHITECTURES: Record<string, (inputShape: Shape, classes: number) => LayerFactory> = {
  simple: (_input, classes) => simpleCnn([32, 64, 128], classes),
  // The quick suite's network: a quarter of the FLOPs, and batch-norm moving averages (momentum 0.9, PyTorch's
  // default) that catch up with the weights within its few hundred steps, so test accuracy is not an artefact of stale statistics.
  'simple-mnist': (_input, classes) => simpleCnn([16, 32, 64], classes, 0.9),
  vgg16bn: (_input, classes) => vgg16bn(classes),
  mobilenetv2: (_input, classes) => mobileNetV2(classes),
  // Other widths by keras-applications' alpha: mobilenetv2-0.35, mobilenetv2-0.5, ..., mobilenetv2-1.4.
  ...Object.fromEntries(
    KERAS_ALPHAS.filter((alpha) => alpha !== 1).map((alpha) => [`mobilenetv2-${alpha}`, (_input: Shape, classes: number) => mobileNetV2(classes, alpha)]),
  ),
  resnet56: (_input, classes) => resnet56(classes),
  // Smith & Topin's super-convergence runs: the same network with batch-norm moving_average_fraction 0.95.
  'resnet56-bn0.95': (_input, classes) => resnet56(classes, 0.95),
  'mini-mobilenetv2': (_input, classes) => miniMobileNetV2(classes),
};

/** FLOPs of one training step per image: forward plus backward (input and weight gradients) is about three forward passes, 2 FLOPs a multiply-accumulate. */
export function trainingFlopsPerImage(network: Network): number {
  return 3 * 2 * network.macsPerImage;
}

export const NETWORK_NAMES: readonly string[] = Object.keys(ARCHITECTURES);

function architectureOf(name: string): (inputShape: Shape, classes: number) => LayerFactory {
  const architecture = ARCHITECTURES[name];
  if (!architecture) throw new UserError(`unknown network "${name}" (known: ${NETWORK_NAMES.join(', ')})`);
  return architecture;
}

export function buildNetwork(name: string, inputShape: Shape, classes: number, seed: number): Network {
  const params = new ParamStore(seed);
  const body = architectureOf(name)(inputShape, classes)(params, inputShape);
  return {
    name,
    inputShape,
    classes,
    params,
    macsPerImage: body.macs,
    logits: (x, training) => body.apply(x, training) as tf.Tensor2D,
    dispose: () => params.dispose(),
  };
}

/** A network's size and forward cost, from its shapes alone: no engine, no memory. */
export function networkSize(name: string, inputShape: Shape, classes: number): { parameters: number; macsPerImage: number } {
  const counter = new ParamCounter();
  const body = architectureOf(name)(inputShape, classes)(counter, inputShape);
  return { parameters: counter.count, macsPerImage: body.macs };
}
