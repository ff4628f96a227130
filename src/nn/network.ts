import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.ts';
import type { LayerFactory, Shape } from './layers.ts';
import { ParamStore } from './params.ts';
import { simpleCnn } from './simple-cnn.ts';

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
  'simple-mnist': (_input, classes) => simpleCnn([16, 32, 64], classes),
};

export const NETWORK_NAMES: readonly string[] = Object.keys(ARCHITECTURES);

export function buildNetwork(name: string, inputShape: Shape, classes: number, seed: number): Network {
  const architecture = ARCHITECTURES[name];
  if (!architecture) throw new UserError(`unknown network "${name}" (known: ${NETWORK_NAMES.join(', ')})`);
  const params = new ParamStore(seed);
  const body = architecture(inputShape, classes)(params, inputShape);
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
