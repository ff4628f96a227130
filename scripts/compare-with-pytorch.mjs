#!/usr/bin/env node
// scbench's machine-wide training speed beside PyTorch's on the same cores, networks, batch and SGD step.
//   node scripts/compare-with-pytorch.mjs [--networks simple,vgg16bn,mobilenetv2] [--iterations 20] [--rounds 1]
// scbench runs `perf --jobs <cores>` (one single-threaded process per core); PyTorch one process with
// <cores> threads (scripts/torch_throughput.py). Each round measures every network with both, alternating,
// so a load from elsewhere on the machine falls on both; the best round of each is reported.
// Without a Python that imports torch (python3-torch; or $PYTHON), it says so and prints scbench's figures alone.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    networks: { type: 'string', default: 'simple,vgg16bn,mobilenetv2' },
    iterations: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '1' },
  },
});
const networks = values.networks.split(',');
const cores = os.availableParallelism();
const common = ['--input', '32x32x3', '--batch', '128', '--warmup', '3', '--iterations', values.iterations];
const scbench = fileURLToPath(new URL('../bin/scbench', import.meta.url));
const torchScript = fileURLToPath(new URL('./torch_throughput.py', import.meta.url));

function runJson(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

function findTorchPython() {
  for (const python of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

const python = findTorchPython();
if (!python) console.log('PyTorch is not installed (no python3 here imports torch; apt-get install python3-torch, or set $PYTHON): scbench alone.\n');
const loadBefore = os.loadavg()[0];

const best = new Map(networks.map((n) => [n, { scbench: 0, torch: 0, scbenchParameters: 0, torchParameters: 0, peakRssMiB: 0 }]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const network of networks) {
    const entry = best.get(network);
    const ours = runJson(scbench, ['perf', '--network', network, ...common, '--backend', 'wasm', '--jobs', String(cores), '--json']);
    entry.scbench = Math.max(entry.scbench, ours.totalImagesPerSecond);
    entry.scbenchParameters = ours.processes[0].parameters;
    entry.peakRssMiB = Math.max(entry.peakRssMiB, ours.peakRssMiB);
    if (!python) continue;
    const theirs = runJson(python, [torchScript, '--network', network, ...common, '--threads', String(cores)]);
    if (theirs.parameters !== entry.scbenchParameters) {
      throw new Error(`${network}: PyTorch's network has ${theirs.parameters} parameters, scbench's ${entry.scbenchParameters}: not the same network`);
    }
    entry.torch = Math.max(entry.torch, theirs.imagesPerSecond);
  }
}

console.log(`batch 128, 32x32x3, ${values.iterations} timed iterations, best of ${values.rounds} round(s); ${cores} cores; load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after`);
console.log(`scbench: wasm, ${cores} processes at once (perf --jobs ${cores})${python ? `; PyTorch: one process, ${cores} threads (${python})` : ''}\n`);
const header = ['network', 'parameters', 'scbench images/s', 'peak RSS MiB', ...(python ? ['PyTorch images/s', 'ratio'] : [])];
const rows = networks.map((network) => {
  const e = best.get(network);
  return [network, String(e.scbenchParameters), e.scbench.toFixed(1), e.peakRssMiB.toFixed(0), ...(python ? [e.torch.toFixed(1), `${(e.scbench / e.torch).toFixed(2)}x`] : [])];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const row of [header, widths.map((w) => '-'.repeat(w)), ...rows]) console.log(row.map((cell, i) => cell.padStart(widths[i])).join('  '));
