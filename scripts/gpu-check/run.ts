// The GPU check's run step (scripts/gpu-check.sh run), in an unpacked pack with its own Node: the adapter, WebGPU
// and PyTorch throughput on the same GPU, the smoke grid on WebGPU, one epoch of `simple` on CIFAR-10, and the
// paper grid's training time estimated from the throughputs. Writes results.json, results.md and log.txt into
// the folder it is given and prints results.md.
//
//   run.ts <pack-dir> <out-dir> [--dry-run]
//
// --dry-run is for testing the check on a machine without a GPU: PyTorch on the CPU, a software adapter
// accepted, 2 images a batch and one timed step, the 32x32 shapes only, and the smoke grid's simple.cifar10 cells.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Throughput } from '../../src/perf.ts';
import { cellFiles, readRunRecord } from '../../src/results/run-record.ts';
import { openSuite, trainingSuite } from '../../src/suite/index.ts';
import { networkSize } from '../../src/nn/network.ts';
import type { PackManifest } from './pack.ts';
import { estimateGrid, gridTable, hours, shapeKey, shapesToMeasure, throughputTable, type Shape, type ShapeResult } from './plan.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scbench = join(root, 'bin', 'scbench');
/** The cell trained for one epoch on the real data: the paper's simple CNN at its constant lr. */
const CIFAR_CELL = 'simple.cifar10.constant';

interface Phase {
  name: string;
  ok: boolean;
  seconds: number;
  error?: string;
}

interface Options {
  pack: string;
  out: string;
  dryRun: boolean;
}

function parseArgs(argv: string[]): Options {
  const positional = argv.filter((a) => !a.startsWith('--'));
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--dry-run');
  if (positional.length !== 2 || unknown.length) throw new Error(`usage: run.ts <pack-dir> <out-dir> [--dry-run] (got ${argv.join(' ')})`);
  return { pack: resolve(positional[0]), out: resolve(positional[1]), dryRun: argv.includes('--dry-run') };
}

/** The whole check ends within this: every command is stopped at it, and what is left undone is reported as such. */
const BUDGET_SECONDS = 450;

class Check {
  readonly phases: Phase[] = [];
  private readonly log: string;
  private readonly deadline = performance.now() + BUDGET_SECONDS * 1000;

  constructor(readonly options: Options) {
    mkdirSync(options.out, { recursive: true });
    this.log = join(options.out, 'log.txt');
    writeFileSync(this.log, '');
  }

  note(line: string): void {
    process.stderr.write(`gpu-check: ${line}\n`);
    appendFileSync(this.log, `gpu-check: ${line}\n`);
  }

  /** Runs a command to its end, its own time limit or the check's deadline; stdout returned, stderr into log.txt. */
  exec(command: string, args: readonly string[], timeoutSeconds: number): Promise<{ status: number | null; stdout: string }> {
    const limit = Math.floor(Math.min(timeoutSeconds * 1000, this.deadline - performance.now()));
    if (limit <= 0) return Promise.reject(new Error(`not run: the check's ${BUDGET_SECONDS} s are spent`));
    this.note(`$ ${[command, ...args].join(' ')}`);
    return new Promise((done, fail) => {
      const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: limit, killSignal: 'SIGKILL' });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => appendFileSync(this.log, chunk));
      child.on('error', fail);
      child.on('close', (status, signal) => {
        if (signal) this.note(`killed by ${signal} after ${(limit / 1000).toFixed(0)} s`);
        done({ status, stdout });
      });
    });
  }

  async scbench(args: readonly string[], timeoutSeconds: number): Promise<string> {
    const { status, stdout } = await this.exec(process.execPath, [scbench, ...args], timeoutSeconds);
    if (status !== 0) throw new Error(`scbench ${args[0]} exited with ${status ?? 'a signal'} (log.txt has its output)`);
    return stdout;
  }

  /** Times one phase; a failure is recorded and the check goes on with the next. */
  async phase<T>(name: string, body: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    this.note(`${name}...`);
    try {
      const value = await body();
      this.phases.push({ name, ok: true, seconds: (performance.now() - started) / 1000 });
      return value;
    } catch (error) {
      const message = (error as Error).message;
      this.note(`${name} failed: ${message}`);
      this.phases.push({ name, ok: false, seconds: (performance.now() - started) / 1000, error: message });
      return undefined;
    }
  }
}

async function webgpuThroughput(check: Check, shape: Shape, steps: { warmup: number; iterations: number; batch?: number }): Promise<Throughput> {
  const text = await check.scbench(
    ['perf', '--backend', 'webgpu', '--network', shape.network, '--input', shape.input.join('x'), '--classes', String(shape.classes),
      '--batch', String(steps.batch ?? shape.batch), '--warmup', String(steps.warmup), '--iterations', String(steps.iterations), '--json'],
    240,
  );
  try {
    return JSON.parse(text) as Throughput;
  } catch {
    // Dawn prints a device's validation errors on stdout: the step that raised them computed nothing valid.
    throw new Error(`perf printed more than its JSON: ${text.split('\n').slice(0, 2).join(' ')}`);
  }
}

interface TorchThroughput {
  parameters: number;
  imagesPerSecond: number;
  version: string;
  device: string;
}

/** scripts/torch_throughput.py: PyTorch's networks of src/nn, one shape a process. */
async function torchThroughput(check: Check, shape: Shape, steps: { warmup: number; iterations: number; batch?: number }): Promise<TorchThroughput> {
  const { status, stdout } = await check.exec(
    process.env.PYTHON ?? 'python3',
    [join(root, 'scripts', 'torch_throughput.py'), '--network', shape.network, '--input', shape.input.join('x'), '--classes', String(shape.classes),
      '--batch', String(steps.batch ?? shape.batch), '--warmup', String(steps.warmup), '--iterations', String(steps.iterations), '--device', check.options.dryRun ? 'cpu' : 'cuda'],
    180,
  );
  if (status !== 0) throw new Error(`torch_throughput.py exited with ${status ?? 'a signal'} (log.txt has its output)`);
  return JSON.parse(stdout) as TorchThroughput;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const check = new Check(options);
  const started = performance.now();
  // Every scbench below shares a fresh data cache: the CIFAR-10 of the pack, decoded here.
  const work = await mkdtemp(join(tmpdir(), 'scbench-gpu-check-'));
  process.env.SCBENCH_CACHE = join(work, 'cache');
  const manifest = JSON.parse(readFileSync(join(options.pack, 'manifest.json'), 'utf8')) as PackManifest;
  const paper = trainingSuite(openSuite('paper'));
  const steps = options.dryRun ? { warmup: 1, iterations: 1, batch: 2 } : { warmup: 3, iterations: 10 };
  const shapes = shapesToMeasure(paper.cells).filter((s) => !options.dryRun || s.input[0] <= 32);
  const results: ShapeResult[] = shapes.map((s) => ({ ...s, measuredBatch: steps.batch ?? s.batch, parameters: {}, imagesPerSecond: {} }));

  /** Measures every shape on one side, each in its own process; a shape that fails is noted and left without figures. */
  const measureAll = async <T extends { parameters: number; imagesPerSecond: number }>(side: 'webgpu' | 'torch', measure: (shape: Shape) => Promise<T>, first: (measured: T) => void) => {
    let any = false;
    for (const [i, shape] of shapes.entries()) {
      const measured = await measure(shape).catch((error: Error) => void check.note(`${shapeKey(shape)}: ${error.message}`));
      if (!measured) continue;
      if (!any) first(measured);
      any = true;
      results[i].parameters[side] = measured.parameters;
      results[i].imagesPerSecond[side] = measured.imagesPerSecond;
    }
    const failed = results.filter((r) => r.imagesPerSecond[side] === undefined).map(shapeKey);
    if (failed.length) throw new Error(`not measured: ${failed.join('; ')}`);
  };

  // The first measurement also names the adapter; on a software one (lavapipe, SwiftShader) no figure of this
  // check would be a GPU's.
  let engine: Throughput['engine'] | undefined;
  await check.phase('webgpu throughput', () =>
    measureAll('webgpu', (shape) => webgpuThroughput(check, shape, steps), (measured) => {
      engine = measured.engine;
      if (engine.adapter?.software && !options.dryRun) throw new Error(`the adapter is a software one (${engine.adapter.description}): no GPU figures`);
    }),
  );
  let torch: TorchThroughput | undefined;
  await check.phase('PyTorch throughput', () => measureAll('torch', (shape) => torchThroughput(check, shape, steps), (measured) => (torch = measured)));

  // The PyTorch networks are written to match src/nn layer for layer: the parameter counts must agree.
  await check.phase('the same parameter counts on both sides', async () => {
    if (!torch) throw new Error('PyTorch built no network');
    const differing = results.filter((r) => r.parameters.torch !== undefined).filter((r) => {
      const scbench = networkSize(r.network, r.input, r.classes).parameters;
      return r.parameters.torch !== scbench || (r.parameters.webgpu !== undefined && r.parameters.webgpu !== scbench);
    });
    if (differing.length) throw new Error(differing.map((r) => `${shapeKey(r)}: scbench ${networkSize(r.network, r.input, r.classes).parameters}, PyTorch ${r.parameters.torch}`).join('; '));
  });

  const smoke = await check.phase('smoke grid on webgpu', () =>
    check.scbench(['run', '--suite', 'paper', '--smoke', '--backend', 'webgpu', ...(options.dryRun ? ['--cells', 'simple.cifar10.*'] : [])], 420),
  );

  const cifar = await check.phase(`one epoch of ${CIFAR_CELL}`, async () => {
    await check.scbench(['fetch', 'cifar10', '--from', join(options.pack, manifest.cifar10.file), '--md5', manifest.cifar10.md5], 300);
    const summary = await check.scbench(['run', '--suite', 'paper', '--cells', CIFAR_CELL, '--epochs', '1', '--backend', 'webgpu', '--out', join(work, 'results'), '--no-report'], 420);
    const files = cellFiles(join(work, 'results'), 'paper', CIFAR_CELL);
    const record = await readRunRecord(files);
    if (!record) throw new Error(`${files.run}: not written`);
    return { summary, record, metrics: await readFile(files.metrics, 'utf8') };
  });

  await rm(work, { recursive: true, force: true });
  const estimate = estimateGrid(paper.cells, results);
  const seconds = (performance.now() - started) / 1000;
  const adapter = engine?.adapter;
  const report = {
    dryRun: options.dryRun,
    seconds,
    pack: manifest,
    adapter,
    engine,
    torch: torch && { version: torch.version, device: torch.device },
    steps,
    shapes: results,
    estimate,
    smoke,
    cifar10: cifar && { record: cifar.record, metrics: cifar.metrics, summary: cifar.summary },
    phases: check.phases,
  };
  writeFileSync(join(options.out, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);

  const md = [
    `# scbench GPU check${options.dryRun ? ' (dry run: no GPU, PyTorch on the CPU, 2 images a batch: no figure here is a GPU figure)' : ''}`,
    '',
    `- adapter: ${adapter ? `${adapter.description} (vendor ${adapter.vendor}, architecture ${adapter.architecture}, device ${adapter.device}, software ${adapter.software})` : 'none'}`,
    `- PyTorch: ${torch ? `${torch.version} on ${torch.device}, fp32 (TF32 off)` : 'failed'}; Node ${process.version}, scbench commit ${manifest.gitCommit}`,
    `- ${steps.warmup} warm-up and ${steps.iterations} timed training steps per shape on random data; the whole check took ${seconds.toFixed(0)} s`,
    '',
    '## Training throughput',
    '',
    throughputTable(results),
    '',
    '## The paper grid, estimated from these throughputs',
    '',
    `Each cell once (one seed; \`--seeds N\` takes N times as long): epochs x training images / images/s of the cell's shape; evaluation, data loading and start-up not included. Whole grid: ${hours(estimate.total.webgpu)} on webgpu, ${hours(estimate.total.torch)} with PyTorch.`,
    '',
    gridTable(estimate),
    '',
    '## Smoke grid on webgpu',
    '',
    smoke ? ['```', smoke.trimEnd(), '```'].join('\n') : 'failed',
    '',
    `## One epoch of ${CIFAR_CELL} on webgpu`,
    '',
    cifar
      ? [`${cifar.record.status}, ${cifar.record.data?.train} training images, final test accuracy ${cifar.record.finalTestAccuracy}, ${cifar.record.trainingSeconds.toFixed(1)} s`, '', '```', cifar.metrics.trimEnd(), '```'].join('\n')
      : 'failed',
    '',
    '## Phases',
    '',
    check.phases.map((p) => `- ${p.name}: ${p.ok ? 'ok' : `FAILED: ${p.error}`} (${p.seconds.toFixed(1)} s)`).join('\n'),
    '',
  ].join('\n');
  writeFileSync(join(options.out, 'results.md'), md);
  process.stdout.write(md);
  return check.phases.every((p) => p.ok) ? 0 : 1;
}

process.exitCode = await main();
