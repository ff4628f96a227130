import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { RunRecord } from '../results/run-record.ts';

const require = createRequire(import.meta.url);

/** Versions of Node and of the libraries that decide a run's numbers. */
export function libraryVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      versions[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      // not installed: absent from the record
    }
  }
  versions.scbench = (require('../../package.json') as { version: string }).version;
  return versions;
}

/**
 * The commit of the checkout scbench runs from, with "-dirty" when it has uncommitted changes; outside git (a
 * container image) the $SCBENCH_GIT_COMMIT it was built with, else null.
 */
export function gitCommit(): string | null {
  try {
    const cwd = new URL('../..', import.meta.url).pathname;
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return process.env.SCBENCH_GIT_COMMIT || null;
  }
}

export function hostInfo(): RunRecord['host'] {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}
