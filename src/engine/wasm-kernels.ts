/**
 * The gradient kernels that let the wasm backend train convnets: the three it lacks, and fast
 * replacements for its slow Conv2DBackpropInput (composed from its own forward convolutions, like the
 * three), MaxPoolGrad and Transpose (scbench's own WebAssembly, native/kernels.c).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv-gradients.ts';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './depthwise-gradients.ts';
import { maxPoolGrad } from './max-pool-grad.ts';
import { makeTranspose } from './transpose.ts';

export const WASM_GRADIENT_KERNELS: readonly KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInput },
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: tf.DepthwiseConv2dNativeBackpropInput, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropInput },
  { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropFilter },
  { kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGrad },
];

/** Transpose wraps wasm's own, which keeps the cases it does not handle; made when first registered. */
let transpose: KernelConfig | undefined;

/** The registered replacements: the gradient kernels, and Transpose once registerWasmKernels made it. */
export function wasmKernelConfigs(): KernelConfig[] {
  return transpose ? [...WASM_GRADIENT_KERNELS, transpose] : [...WASM_GRADIENT_KERNELS];
}

/** Registers the kernels above for 'wasm', replacing any registered under the same names; idempotent. */
export function registerWasmKernels(): void {
  for (const config of WASM_GRADIENT_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  const stock = tf.getKernel(tf.Transpose, 'wasm');
  if (stock !== undefined && stock.kernelFunc !== transpose?.kernelFunc) {
    // Its setup (binding wasm's own function) still runs for every new backend instance.
    transpose = { ...stock, kernelFunc: makeTranspose(stock.kernelFunc) };
    tf.unregisterKernel(tf.Transpose, 'wasm');
    tf.registerKernel(transpose);
  }
}

