#!/usr/bin/env node
// Runs the type checker, then every *.test.ts under src/, data-fetch/, deploy/ and scripts/ with uvu, and ends with
// one line "N passed, N failed" summed over all suites (uvu prints per-run totals only).
import { spawnSync } from 'node:child_process';

const filter = process.argv[2] ?? '';
const typecheck = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (typecheck.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const uvu = spawnSync(
  process.execPath,
  ['--import', 'tsx', 'node_modules/uvu/bin.js', '.', `(src|data-fetch|deploy|scripts)/.*${filter}.*\\.test\\.ts$`, '-i', 'node_modules'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
);
process.stdout.write(uvu.stdout ?? '');
const plain = (uvu.stdout ?? '').replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const failed = uvu.status === 0 ? total - passed : Math.max(1, total - passed);
console.log(`${passed} passed, ${failed} failed`);
process.exit(uvu.status === 0 && failed === 0 ? 0 : 1);
