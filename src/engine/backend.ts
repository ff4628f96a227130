/**
 * Picks and starts the TensorFlow.js backend. Everything else in scbench imports tensor ops from
 * '@tensorflow/tfjs-core' directly; this module only decides which backend those ops run on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { UserError } from '../errors.ts';
import { loadCoreGradients } from './core-gradients.ts';
import { registerWasmKernels } from './wasm-kernels.ts';
import { setWasmThreads } from './wasm-threads.ts';
import { AdapterUnavailable, startWebgpu, type AdapterInfo } from './webgpu.ts';

export type BackendRequest = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface EngineInfo {
  /** The tfjs backend name, as tf.getBackend() reports it. */
  backend: string;
  kind: 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  packageName: string;
  version: string;
  /** Why this backend was taken, in one line. */
  reason: string;
  /**
   * The threads one process computes on, where scbench sets them (wasm: `threads`; cpu: 1): a suite fills
   * the cores with processes of as many threads. Null where the engine runs its own thread pool
   * (libtensorflow) or a GPU computes: a suite then runs one cell at a time.
   */
  threads: number | null;
  /** The GPU adapter, for webgpu: two adapters are two engines. */
  adapter?: AdapterInfo;
}

type Kind = EngineInfo['kind'];

/** A backend that could not be started, and why, in words fit for a one-line error. */
class Unavailable extends Error {}

const require = createRequire(import.meta.url);

const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
const TFJS_NODE = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';
const CPU = '@tensorflow/tfjs-backend-cpu';
const WEBGPU = '@tensorflow/tfjs-backend-webgpu';

/**
 * Starts the requested backend and makes it the current one. 'auto' takes the fastest that starts
 * (AUTO_ORDER) and logs which and why it skipped the others; an explicit request that cannot be met
 * throws UserError instead of falling back. Only an explicit 'webgpu' takes a software adapter.
 * `threads` is wasm's thread count (1: its single-threaded build); other engines ignore it.
 */
export async function initEngine(request: BackendRequest, log: (line: string) => void = () => {}, threads = 1): Promise<EngineInfo> {
  wasmThreads = threads;
  if (request !== 'auto') {
    if (threads > 1 && request !== 'wasm') throw new UserError(`--threads: only the wasm backend computes on a thread count scbench sets; --backend ${request} leaves it to the engine`);
    try {
      return await start(request, true);
    } catch (error) {
      if (error instanceof Unavailable) throw new UserError(`--backend ${request}: ${error.message}`);
      throw error;
    }
  }
  const skipped = new Map<string, string>();
  for (const candidate of AUTO_ORDER) {
    try {
      const info = await candidate.start();
      const why = skipped.size > 0 ? `after skipping ${describeSkipped(skipped)}` : 'as the fastest';
      log(`backend auto: using ${info.kind} (${info.packageName} ${info.version}; ${info.reason}) ${why}`);
      return info;
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      // Both tensorflow candidates fail alike when the package is missing: say it once.
      if (!skipped.has(error.message)) skipped.set(error.message, candidate.label);
    }
  }
  throw new UserError(`--backend auto: no backend could be started: ${describeSkipped(skipped)}`);
}

/** "label: problem; label: problem" from a map of problem -> label. */
function describeSkipped(skipped: Map<string, string>): string {
  return [...skipped].map(([problem, label]) => `${label}: ${problem}`).join('; ');
}

/** Fastest first: libtensorflow's CUDA kernels, then WebGPU on a real GPU, then the CPU engines. */
const AUTO_ORDER: readonly { label: string; start: () => Promise<EngineInfo> }[] = [
  {
    label: 'tensorflow on a GPU',
    start: async () => {
      const info = await start('tensorflow', false);
      if (info.kind !== 'tensorflow-gpu') throw new Unavailable(info.reason);
      return info;
    },
  },
  { label: 'webgpu', start: () => start('webgpu', false) },
  { label: 'tensorflow on the CPU', start: () => start('tensorflow', false) },
  { label: 'wasm', start: () => start('wasm', false) },
  { label: 'cpu', start: () => start('cpu', false) },
];

/** Starts one backend, then makes sure tfjs-core's gradients are registered so it can train. */
async function start(backend: Exclude<BackendRequest, 'auto'>, allowSoftwareAdapter: boolean): Promise<EngineInfo> {
  const starters = { tensorflow: startTensorflow, webgpu: () => startWebgpuEngine(allowSoftwareAdapter), wasm: startWasm, cpu: startCpu };
  const info = await starters[backend]();
  await loadCoreGradients();
  started = info;
  return info;
}

let started: EngineInfo | undefined;
/** The thread count the next wasm start uses. */
let wasmThreads = 1;

/** The engine this process started last with initEngine; results record it as what computed them. */
export function startedEngine(): EngineInfo {
  if (!started) throw new Error('no engine started: call initEngine first');
  return started;
}

/** tfjs-node-gpu when it is installed, loads and sees a GPU; otherwise tfjs-node. */
async function startTensorflow(): Promise<EngineInfo> {
  let gpuProblem = `${TFJS_NODE_GPU} is not installed`;
  if (isInstalled(TFJS_NODE_GPU)) {
    try {
      await loadTensorflowPackage(TFJS_NODE_GPU);
      const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
      // Once loaded, tfjs-node-gpu owns the 'tensorflow' backend of this process; without a GPU it runs on the CPU.
      const reason = usingGpu ? 'libtensorflow sees a GPU' : 'tfjs-node-gpu loaded but sees no GPU: libtensorflow runs on the CPU';
      return info(usingGpu ? 'tensorflow-gpu' : 'tensorflow', TFJS_NODE_GPU, reason, null);
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      gpuProblem = error.message;
    }
  }
  if (!isInstalled(TFJS_NODE)) {
    throw new Unavailable(
      isInstalled(TFJS_NODE_GPU)
        ? `${gpuProblem}, and ${TFJS_NODE} is not installed (npm install ${TFJS_NODE})`
        : `${TFJS_NODE} is not installed (npm install ${TFJS_NODE}, or ${TFJS_NODE_GPU} for an NVIDIA GPU)`,
    );
  }
  await loadTensorflowPackage(TFJS_NODE);
  return info('tensorflow', TFJS_NODE, `native libtensorflow on the CPU (${gpuProblem})`, null);
}

function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

async function loadTensorflowPackage(name: string): Promise<void> {
  await importPackage(name);
  await setBackend('tensorflow', name);
}

async function importPackage(name: string) {
  try {
    return await import(name);
  } catch (error) {
    throw new Unavailable(`${name} failed to load: ${firstLine(error)}`);
  }
}

async function startWasm(): Promise<EngineInfo> {
  const wasm = await importPackage(WASM);
  // The .wasm binaries sit beside the package's main file; Emscripten reads them from disk in Node.
  wasm.setWasmPaths(`${dirname(require.resolve(WASM))}/`);
  setWasmThreads(wasm, wasmThreads);
  await setBackend('wasm', WASM);
  registerWasmKernels();
  const threads = wasm.getThreadsCount();
  if (threads !== wasmThreads) throw new Unavailable(`started on ${threads} threads, not the ${wasmThreads} asked for`);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
  return info('wasm', WASM, `XNNPACK in WebAssembly, ${simd}, ${threads} thread${threads === 1 ? '' : 's'}`, threads);
}

async function startWebgpuEngine(allowSoftwareAdapter: boolean): Promise<EngineInfo> {
  const adapter = await startWebgpu(allowSoftwareAdapter).catch((error) => {
    throw error instanceof AdapterUnavailable ? new Unavailable(error.message) : error;
  });
  await setBackend('webgpu', WEBGPU);
  const kind = adapter.software ? 'a software adapter: for correctness, not speed' : 'a hardware adapter';
  return { ...info('webgpu', WEBGPU, `WebGPU through Dawn on ${adapter.description || adapter.device} (${kind})`, null), adapter };
}

async function startCpu(): Promise<EngineInfo> {
  await importPackage(CPU);
  await setBackend('cpu', CPU);
  // The cpu backend greets its first tensor with a banner recommending tfjs-node; our own log says which backend runs.
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
  return info('cpu', CPU, 'plain JavaScript kernels: slow, for tests on tiny shapes', 1);
}

async function setBackend(backend: string, packageName: string): Promise<void> {
  let started: boolean;
  try {
    started = await tf.setBackend(backend);
  } catch (error) {
    throw new Unavailable(`${packageName} failed to start: ${firstLine(error)}`);
  }
  if (!started) throw new Unavailable(`${packageName} did not register a working '${backend}' backend`);
  await tf.ready();
}

function info(kind: Kind, packageName: string, reason: string, threads: number | null): EngineInfo {
  const { version } = require(`${packageName}/package.json`) as { version: string };
  return { backend: tf.getBackend(), kind, packageName, version, reason, threads };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
