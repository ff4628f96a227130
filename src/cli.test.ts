import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const scbench = fileURLToPath(new URL('../bin/scbench', import.meta.url));
const run = (...args: string[]) => spawnSync(scbench, args, { encoding: 'utf8' });

/** A user error is exactly one line on stderr and a non-zero exit. */
function assertOneLineError(result: ReturnType<typeof run>, pattern: RegExp) {
  assert.is.not(result.status, 0);
  const lines = result.stderr.trim().split('\n');
  assert.is(lines.length, 1, result.stderr);
  assert.match(lines[0], pattern);
}

test('a malformed suite file is one line naming the file and where', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'cli-')), 'broken.json');
  await writeFile(file, '{ "name": "broken", "cells": [ }');
  assertOneLineError(run('list', '--suite', file), new RegExp(`^scbench: ${file}: .*line 1`));
});

test('an unknown policy key is one line naming the file and the path of the key', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'cli-')), 'typo.json');
  const suite = {
    name: 'typo', description: 'x',
    defaults: { network: 'simple-mnist', dataset: 'mnist', epochs: 1, batchSize: 8, seed: 1, weightDecay: 0 },
    cells: [{ id: 'a', policy: { name: 'constant', lr: 0.1, momentun: 0.9 } }],
  };
  await writeFile(file, JSON.stringify(suite));
  assertOneLineError(run('list', '--suite', file), new RegExp(`^scbench: ${file}: cells\\[0\\]\\.policy.*momentun`));
});

test('--backend tensorflow where it is not installed is one line naming the package', () => {
  assertOneLineError(run('perf', '--backend', 'tensorflow', '--iterations', '1'), /^scbench: --backend tensorflow: .*@tensorflow\/tfjs-node/);
});

test('perf --jobs 2 times two processes together and reports their total images/s', () => {
  const result = run('perf', '--jobs', '2', '--backend', 'cpu', '--network', 'simple-mnist', '--input', '8x8x1', '--batch', '2', '--warmup', '1', '--iterations', '2', '--json');
  assert.is(result.status, 0, result.stderr);
  const measured = JSON.parse(result.stdout);
  assert.is(measured.jobs, 2);
  assert.is(measured.processes.length, 2);
  assert.ok(measured.totalImagesPerSecond > 0);
  // The common wall time spans each process's own timed iterations: the total is at most the sum of their rates.
  const sum = measured.processes.reduce((total: number, p: { imagesPerSecond: number }) => total + p.imagesPerSecond, 0);
  assert.ok(measured.totalImagesPerSecond <= sum, `${measured.totalImagesPerSecond} > ${sum}`);
});

test('--threads beyond wasm\'s 8, or on another backend than wasm, is one line', () => {
  assertOneLineError(run('perf', '--threads', '9'), /^error: option '--threads <n>' argument '9' is invalid. --threads must be at most 8/);
  assertOneLineError(run('perf', '--backend', 'cpu', '--threads', '2', '--iterations', '1'), /^scbench: --threads: only the wasm backend computes on a thread count scbench sets; --backend cpu/);
});

test('schedule prints one JSON row per iteration, momentum only where the policy drives it', () => {
  const constant = run('schedule', '--policy', '{"name":"constant","lr":0.1}', '--iterations', '3');
  assert.is(constant.status, 0, constant.stderr);
  assert.equal(constant.stdout.trim().split('\n').map((l) => JSON.parse(l)), [
    { iteration: 0, lr: 0.1 }, { iteration: 1, lr: 0.1 }, { iteration: 2, lr: 0.1 },
  ]);
  assertOneLineError(run('schedule', '--policy', '{"name":"constant","lr":-1}', '--iterations', '3'), /^scbench: --policy: lr: /);
});

test('list prints the cells of the quick suite', () => {
  const result = run('list');
  assert.is(result.status, 0, result.stderr);
  for (const id of ['constant', 'cyclical', 'one-cycle']) assert.match(result.stdout, id);
});

test('data info describes the embedded digits, and an unknown name is one line', () => {
  const result = run('data', 'info', 'mnist');
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /train  8000 images of 28x28x1/);
  assert.match(result.stdout, /test   2000 images of 28x28x1/);
  assertOneLineError(run('data', 'info', 'imagenet'), /^scbench: unknown dataset "imagenet" \(known: mnist, /);
});

test.run();
