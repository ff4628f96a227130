/**
 * WebGPU in Node through Dawn (the npm package `webgpu`), for tfjs-backend-webgpu: everything Node needs
 * that a browser gives for free, in one place. It installs the WebGPU globals and navigator.gpu, picks the
 * adapter and records what it is, asks for the largest buffers the adapter allows, refuses before dispatch
 * the kernels a device cannot run (a hang or a lost device otherwise), puts scbench's kernels in place of some
 * of tfjs's (webgpu-filter-gradient.ts), and shuts the device down.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend as WebGPUBackendType, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { releaseAtEnd } from './release.ts';
import { filterGradient } from './webgpu-filter-gradient.ts';

/** The adapter a webgpu engine computes on, as Dawn describes it. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (lavapipe, SwiftShader): correct, but far slower than wasm. */
  software: boolean;
}

/** The limits a kernel is checked against before it is dispatched. */
export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
}

/** A kernel that the device cannot run: a tensor or a dispatch beyond its limits. `layer` is set by the layer it ran in. */
export class DeviceLimitError extends Error {
  layer?: string;
}

/** An adapter that cannot be used, and why, in words fit for a one-line error. */
export class AdapterUnavailable extends Error {}

const BACKEND = 'webgpu';

/** The device started last and its adapter, until shutdownWebgpu; a second start reuses them. */
let started: { device: GPUDevice; adapter: AdapterInfo } | undefined;

/**
 * Requests the adapter and, unless it is a software one and `allowSoftware` is false, starts tfjs's
 * webgpu backend on a device with the adapter's largest buffer limits. Returns the adapter it runs on.
 */
export async function startWebgpu(allowSoftware: boolean): Promise<AdapterInfo> {
  if (started) return usable(started.adapter, allowSoftware);
  // libwayland, loaded by the Vulkan loader, prints "XDG_RUNTIME_DIR is invalid or not set" on every start without it.
  if (!process.env.XDG_RUNTIME_DIR || !existsSync(process.env.XDG_RUNTIME_DIR)) process.env.XDG_RUNTIME_DIR = tmpdir();
  const { create, globals } = await import('webgpu').catch((error: Error) => {
    throw new AdapterUnavailable(`the webgpu package (Dawn) failed to load: ${error.message.split('\n')[0]}`);
  });
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new AdapterUnavailable('Dawn found no GPU adapter (no Vulkan, Metal or D3D12 driver that it accepts)');
  const adapterInfo = usable(describeAdapter(adapter.info), allowSoftware);
  const limits = adapter.limits;
  const requested = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    // What tfjs-backend-webgpu itself asks for, so its kernels see the adapter's full size.
    requiredLimits: {
      maxBufferSize: limits.maxBufferSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    },
  });
  // tfjs-backend-webgpu registers its kernels on import, and its own backend factory when navigator.gpu exists:
  // ours replaces that factory, so the device is the one requested above.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const CheckedBackend = checkedBackend(WebGPUBackend, requested.limits);
  if (tf.findBackendFactory(BACKEND)) tf.removeBackend(BACKEND);
  tf.registerBackend(BACKEND, () => new CheckedBackend(requested, adapter.info));
  // After a validation error or a lost device the queue's results are undefined and a readback may never
  // come: the process stops, naming the error, rather than wait forever.
  requested.addEventListener('uncapturederror', (event) => stopOnDeviceError((event as GPUUncapturedErrorEvent).error.message));
  void requested.lost.then((lost) => lost.reason !== 'destroyed' && stopOnDeviceError(`device lost: ${lost.message}`));
  replaceKernels();
  started = { device: requested, adapter: adapterInfo };
  releaseAtEnd(shutdownWebgpu);
  return adapterInfo;
}

/**
 * scbench's kernels in place of tfjs-backend-webgpu's own, registered once: a later start finds them in place. They
 * read the device's limits from the backend they are called with, so a later start on another device is served too.
 */
function replaceKernels(): void {
  replaceKernel(tf.AddN, chunkedAddN);
  replaceKernel(tf.Conv2DBackpropFilter, filterGradient);
}

const replaced = new Set<string>();

function replaceKernel(kernelName: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  if (replaced.has(kernelName)) return;
  const original = tf.getKernel(kernelName, BACKEND)!;
  tf.unregisterKernel(kernelName, BACKEND);
  tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: make(original.kernelFunc) });
  replaced.add(kernelName);
}

/**
 * tfjs's webgpu AddN binds every input at once: more than the device's storage buffers per shader stage
 * (8 by default, 16 on many adapters) make an invalid pipeline, as the L2 penalty over VGG16-BN's 15 kernels
 * does. This AddN adds one less than that at a time (one binding is the output), in order.
 */
function chunkedAddN(addAll: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const maxInputs = (backend as WebGPUBackendType).device.limits.maxStorageBuffersPerShaderStage - 1;
    // AddN's inputs are an array (tfjs types every kernel's inputs as a map).
    const add = (tensors: tf.TensorInfo[]) => addAll({ inputs: tensors as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
    let tensors = inputs as unknown as tf.TensorInfo[];
    const partials: tf.TensorInfo[] = [];
    while (tensors.length > maxInputs) {
      const partial = add(tensors.slice(0, maxInputs));
      partials.push(partial);
      tensors = [partial, ...tensors.slice(maxInputs)];
    }
    const sum = add(tensors);
    for (const partial of partials) (backend as tf.KernelBackend).disposeData(partial.dataId);
    return sum;
  };
}

function stopOnDeviceError(message: string): never {
  process.stderr.write(`scbench: the WebGPU device reported an error, so its results cannot be trusted: ${message.split('\n')[0]}\n`);
  process.exit(1);
}

function usable(adapter: AdapterInfo, allowSoftware: boolean): AdapterInfo {
  if (adapter.software && !allowSoftware) {
    throw new AdapterUnavailable(`the only adapter is a software one (${adapter.description}), far slower than wasm; ask for it with --backend webgpu`);
  }
  return adapter;
}

function describeAdapter(info: GPUAdapterInfo): AdapterInfo {
  const { vendor, architecture, device, description } = info;
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const software = fallback || architecture === 'software' || /swiftshader|llvmpipe|lavapipe/i.test(`${device} ${description}`);
  return { vendor, architecture, device, description, software };
}

/** Destroys the device and forgets navigator.gpu, so nothing keeps the process alive. */
function shutdownWebgpu(): void {
  if (!started) return;
  if (tf.findBackend(BACKEND)) tf.removeBackend(BACKEND);
  started.device.destroy();
  started = undefined;
  Reflect.deleteProperty(globalThis, 'navigator');
}

/** The webgpu backend, checking every kernel against the device's limits before it dispatches it. */
function checkedBackend(Base: typeof WebGPUBackendType, limits: DeviceLimits) {
  return class extends Base {
    override runWebGPUProgram(program: WebGPUProgram, inputs: tf.TensorInfo[], ...rest: Parameters<WebGPUBackendType['runWebGPUProgram']> extends [unknown, unknown, ...infer R] ? R : never) {
      checkProgram(program, inputs, limits);
      return super.runWebGPUProgram(program, inputs, ...rest);
    }
  };
}

/**
 * Throws DeviceLimitError when a kernel's input or output exceeds one storage binding or buffer, or when its
 * dispatch has more workgroups in one dimension than the device runs. tfjs folds a one-dimensional dispatch
 * into two or three dimensions itself (as checked here); a dispatch laid out over y or z it cannot fold.
 */
export function checkProgram(program: Pick<WebGPUProgram, 'dispatch' | 'dispatchLayout' | 'outputShape'> & { constructor: { name: string } }, inputs: readonly tf.TensorInfo[], limits: DeviceLimits): void {
  const kernel = program.constructor.name.replace(/Program$/, '');
  const bindingLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const [role, shape] of [['output', program.outputShape], ...inputs.map((t) => ['input', t.shape] as const)] as const) {
    const bytes = 4 * shape.reduce((product, d) => product * d, 1);
    if (bytes > bindingLimit) {
      throw new DeviceLimitError(`kernel ${kernel}: ${role} [${shape.join('x')}] needs ${mib(bytes)}, beyond the device's largest storage buffer binding (${mib(bindingLimit)})`);
    }
  }
  if (inputs.length + 1 > limits.maxStorageBuffersPerShaderStage) {
    throw new DeviceLimitError(`kernel ${kernel}: ${inputs.length} inputs and an output need more storage buffers than the device binds in one shader (${limits.maxStorageBuffersPerShaderStage})`);
  }
  const max = limits.maxComputeWorkgroupsPerDimension;
  const [x, y, z] = program.dispatch;
  const flat = program.dispatchLayout.y === undefined && program.dispatchLayout.z === undefined;
  if (flat ? Math.ceil(Math.cbrt(x)) > max : Math.max(x, y, z) > max) {
    throw new DeviceLimitError(`kernel ${kernel}: output [${program.outputShape.join('x')}] needs a dispatch of ${x} x ${y} x ${z} workgroups, beyond the device's ${max} in one dimension`);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
