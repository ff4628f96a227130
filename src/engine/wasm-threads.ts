/**
 * tfjs-backend-wasm's threaded build (XNNPACK's thread pool on Emscripten pthreads) in Node. The package
 * itself never takes it in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there), and its loader would start
 * the pthread workers from blob: URLs, which Node's worker_threads refuses. So scbench instantiates the
 * threaded build itself, with the worker script written to a file, and registers it as the 'wasm'
 * backend: the package's kernels are registered by backend name and run unchanged on it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const WASM_OUT = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
const FACTORY = join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.js');
const BINARY = join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.wasm');

interface WasmPackage {
  BackendWasm: new (wasm: unknown) => BackendWasm;
  setThreadsCount(threads: number): void;
}

interface PThreads {
  unusedWorkers: { terminate(): void }[];
  runningWorkers: { unref(): void }[];
}

/** The package caps XNNPACK's pool at 8 threads (and Emscripten pre-starts that many workers). */
export const MAX_WASM_THREADS = 8;

/** Same priority as the package's own registration, so `tf.ready()` picks the same backend as before. */
const WASM_PRIORITY = 2;

/** The package's own factory (the single-threaded SIMD build in Node), kept for threads = 1. */
let stockFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | undefined;
let registeredThreads = 1;

/**
 * Makes the 'wasm' backend, when next started, compute on `threads` threads (the caller's included):
 * 1 is the package's single-threaded build, more the threaded build. Call before tf.setBackend('wasm');
 * a wasm backend started with another count is disposed.
 */
export function setWasmThreads(wasmPackage: WasmPackage, threads: number): void {
  stockFactory ??= tf.findBackendFactory('wasm');
  if (threads === registeredThreads) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', threads === 1 ? stockFactory : () => startThreaded(wasmPackage, threads), WASM_PRIORITY);
  registeredThreads = threads;
}

async function startThreaded(wasmPackage: WasmPackage, threads: number): Promise<BackendWasm> {
  const module = await instantiate(threads);
  wasmPackage.setThreadsCount(threads);
  const backend = new wasmPackage.BackendWasm(module);
  const pthreads = (module as { PThread: PThreads }).PThread;
  // Emscripten starts a pool of 8 workers, each a V8 instance; XNNPACK has taken the threads - 1 it uses.
  for (const worker of pthreads.unusedWorkers.splice(0)) worker.terminate();
  // XNNPACK's threads wait for work for as long as the process lives: they must not keep it alive.
  for (const worker of pthreads.runningWorkers) worker.unref();
  return backend;
}

async function instantiate(threads: number): Promise<unknown> {
  const factory = require(FACTORY) as (config: object) => Promise<EmscriptenModule>;
  const workerFile = writeWorkerScript();
  const module = await factory({
    locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? workerFile : prefix + path),
    // Each worker loads the same factory from disk, then instantiates the compiled module on the shared memory.
    mainScriptUrlOrBlob: FACTORY,
    instantiateWasm: (imports: { env: Record<string, WebAssembly.ImportValue> }, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
      // The backend caps its thread pool at half the logical cores it is told of (for hyper-threads):
      // tell it of twice the threads asked for, so that the count is the caller's.
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(readFileSync(BINARY), imports).then(({ instance, module }) => receive(instance, module));
      return {};
    },
  });
  // The same bridge the package's own loader adds.
  const cwrap = module.cwrap.bind(module);
  return Object.assign(module, {
    tfjs: {
      init: cwrap('init', null, []),
      initWithThreadsCount: cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: cwrap('get_threads_count', 'number', []),
      registerTensor: cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: cwrap('dispose_data', null, ['number']),
      dispose: cwrap('dispose', null, []),
    },
  });
}

interface EmscriptenModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
}

/**
 * The pthread worker's script, from the package, as a file: Node starts workers from files only. Named
 * by its content, written once per machine, atomically.
 */
function writeWorkerScript(): string {
  const { wasmWorkerContents } = require(join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // The package hands the script over as a Blob and escapes the newlines inside its string literals the same way.
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  const file = join(tmpdir(), `scbench-wasm-pthread-${createHash('sha256').update(script).digest('hex').slice(0, 16)}.cjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, script);
    renameSync(partial, file);
  }
  return file;
}
