/**
 * The gradient kernels that let the wasm backend train convnets: the three it lacks, and fast
 * replacements for its slow Conv2DBackpropInput (composed from its own forward convolutions, like the
 * three), MaxPoolGrad, Transpose and Sum over leading axes (scbench's own WebAssembly, native/kernels.c).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv-gradients.ts';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './depthwise-gradients.ts';
import { maxPoolGrad } from './max-pool-grad.ts';
import { makeSum } from './sum.ts';
import { makeTranspose } from './transpose.ts';

export const WASM_GRADIENT_KERNELS: readonly KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInput },
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: tf.DepthwiseConv2dNativeBackpropInput, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropInput },
  { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropFilter },
  { kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGrad },
];

/** Kernels that wrap wasm's own, which keeps the cases they do not handle. */
const WRAPPERS: Record<string, (stock: KernelFunc) => KernelFunc> = { [tf.Transpose]: makeTranspose, [tf.Sum]: makeSum };
/** The wrappers registered, made from wasm's own kernels on the first registerWasmKernels. */
const wrapped = new Map<string, KernelConfig>();

/** The registered replacements: the gradient kernels, and the wrappers once registerWasmKernels made them. */
export function wasmKernelConfigs(): KernelConfig[] {
  return [...WASM_GRADIENT_KERNELS, ...wrapped.values()];
}

/** Registers the kernels above for 'wasm', replacing any registered under the same names; idempotent. */
export function registerWasmKernels(): void {
  for (const config of WASM_GRADIENT_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  for (const [kernelName, wrap] of Object.entries(WRAPPERS)) {
    const stock = tf.getKernel(kernelName, 'wasm');
    if (stock === undefined || stock.kernelFunc === wrapped.get(kernelName)?.kernelFunc) continue;
    // Its setup (binding wasm's own function) still runs for every new backend instance.
    const config = { ...stock, kernelFunc: wrap(stock.kernelFunc) };
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(config);
    wrapped.set(kernelName, config);
  }
}

