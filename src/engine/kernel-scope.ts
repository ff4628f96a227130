import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Runs a backend's own kernels on TensorInfos from inside another kernel. The engine does not track what
 * kernels make internally, so the scope remembers each intermediate and frees it with backend.disposeData
 * (reshapes share their input's data and only raise its reference count, so freeing one is safe too).
 */
export class KernelScope {
  private readonly made: TensorInfo[] = [];

  constructor(
    private readonly backend: KernelBackend,
    private readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, this.backendName);
    if (kernel === undefined) throw new Error(`${kernelName} is not registered for backend '${this.backendName}'`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
    this.made.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Frees every intermediate except `keep` (the kernel's output, handed to the engine). */
  release(keep?: TensorInfo): void {
    for (const info of this.made) if (info !== keep) this.backend.disposeData(info.dataId);
    this.made.length = 0;
  }
}

/** Runs `body` with a fresh scope and frees its intermediates, on success and on error, keeping only the result. */
export function composeKernels(backend: unknown, backendName: string, body: (k: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend as KernelBackend, backendName);
  let result: TensorInfo | undefined;
  try {
    result = body(scope);
    return result;
  } finally {
    scope.release(result);
  }
}
