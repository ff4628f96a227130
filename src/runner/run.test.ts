import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSchedule } from '../schedules/index.ts';
import { readStepLog } from '../results/steps.ts';

const scbench = fileURLToPath(new URL('../../bin/scbench', import.meta.url));

// Two small real cells: simple-mnist on the first 1,000 embedded digits, seconds per epoch.
const suite = {
  name: 'tiny',
  description: 'runner test suite',
  defaults: { network: 'simple-mnist', dataset: 'mnist-mini', epochs: 3, batchSize: 100, seed: 1, weightDecay: 5e-4 },
  cells: [
    { id: 'constant', policy: { name: 'constant', lr: 0.05, momentum: 0.9 } },
    { id: 'one-cycle', policy: { name: 'one-cycle', maxLr: 0.3, maxMomentum: 0.9, minMomentum: 0.85 } },
  ],
};

async function workspace() {
  const dir = await mkdtemp(join(tmpdir(), 'scbench-run-'));
  const suiteFile = join(dir, 'tiny.json');
  await writeFile(suiteFile, JSON.stringify(suite));
  return { dir, suiteFile, out: join(dir, 'results') };
}

const runArgs = (w: { suiteFile: string; out: string }, ...extra: string[]) => ['run', '--suite', w.suiteFile, '--out', w.out, '--backend', 'wasm', '--no-report', ...extra];

function metricsRows(out: string, cell: string): string[][] {
  const lines = readFileSync(join(out, 'tiny', cell, 'metrics.csv'), 'utf8').trim().split('\n');
  return lines.map((line) => line.split(','));
}

/** The learned columns of metrics.csv (everything but the timings). */
const learned = (rows: string[][]) => rows.map((r) => r.slice(0, 9).join(','));

let completed: { out: string } | undefined;
const cores = os.availableParallelism();

test('a suite runs to completion in workers, writes its results, and a re-run skips finished cells', async () => {
  const w = await workspace();
  const first = spawnSync(scbench, runArgs(w), { encoding: 'utf8' });
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stdout, /constant\s+completed/);
  assert.match(first.stdout, /one-cycle\s+completed/);
  for (const cell of ['constant', 'one-cycle']) {
    const rows = metricsRows(w.out, cell);
    assert.is(rows[0][0], 'epoch');
    assert.equal(rows.slice(1).map((r) => r[0]), ['1', '2', '3']);
    const record = JSON.parse(readFileSync(join(w.out, 'tiny', cell, 'run.json'), 'utf8'));
    assert.is(record.status, 'completed');
    assert.is(record.engine.kind, 'wasm');
    // Two cells at once share the cores.
    assert.is(record.engine.threads, Math.min(8, Math.max(1, Math.floor(cores / Math.min(cores, 2)))));
    assert.is(record.epochsCompleted, 3);
    // 1,000 digits in batches of 100: ten steps an epoch, each logged once with what it used and its loss.
    const steps = (await readStepLog(join(w.out, 'tiny', cell, 'steps.csv')))!;
    assert.equal(steps.map((s) => s.iteration), Array.from({ length: 30 }, (_, i) => i));
    const schedule = makeSchedule(record.cell.policy, 30);
    assert.equal(steps.map((s) => s.lr), steps.map((s) => schedule(s.iteration).lr));
    rows.slice(1).forEach((row, epoch) => {
      const meanLoss = steps.slice(10 * epoch, 10 * epoch + 10).reduce((sum, s) => sum + s.loss, 0) / 10;
      assert.ok(Math.abs(meanLoss - Number(row[2])) < 1e-6, `epoch ${epoch + 1}: mean batch loss ${meanLoss}, metrics.csv train loss ${row[2]}`);
    });
  }
  const before = readFileSync(join(w.out, 'tiny', 'constant', 'metrics.csv'), 'utf8');
  const again = spawnSync(scbench, runArgs(w), { encoding: 'utf8' });
  assert.is(again.status, 0, again.stderr);
  assert.match(again.stderr, /constant: already completed, skipped/);
  assert.is(readFileSync(join(w.out, 'tiny', 'constant', 'metrics.csv'), 'utf8'), before);

  const runJson = join(w.out, 'tiny', 'constant', 'run.json');
  const record = JSON.parse(readFileSync(runJson, 'utf8'));
  writeFileSync(runJson, JSON.stringify({ ...record, gitCommit: 'an-older-commit' }));
  const otherCode = spawnSync(scbench, runArgs(w), { encoding: 'utf8' });
  assert.is(otherCode.status, 0, otherCode.stderr);
  assert.match(otherCode.stderr, new RegExp(`constant: already completed by commit an-older-commit, not this checkout's ${record.gitCommit ?? 'unknown'}, skipped`));
  writeFileSync(runJson, JSON.stringify(record));
  completed = w;
});

test('a run killed with SIGKILL mid-cell resumes: every finished epoch and step kept exactly once, same numbers', async () => {
  const w = await workspace();
  const child = spawn(scbench, runArgs(w, '--cells', 'constant'), { detached: true, stdio: 'ignore' });
  const metrics = join(w.out, 'tiny', 'constant', 'metrics.csv');
  const deadline = Date.now() + 120_000;
  while (!(existsSync(metrics) && readFileSync(metrics, 'utf8').trim().split('\n').length >= 2)) {
    assert.ok(Date.now() < deadline, 'no epoch finished within 2 minutes');
    await sleep(50);
  }
  process.kill(-child.pid!, 'SIGKILL');
  await sleep(500);
  const killedRecord = JSON.parse(readFileSync(join(w.out, 'tiny', 'constant', 'run.json'), 'utf8'));
  assert.is(killedRecord.status, 'running', 'the killed run had not finished');

  const resumed = spawnSync(scbench, runArgs(w, '--cells', 'constant'), { encoding: 'utf8' });
  assert.is(resumed.status, 0, resumed.stderr);
  const rows = metricsRows(w.out, 'constant');
  assert.equal(rows.slice(1).map((r) => r[0]), ['1', '2', '3']);
  assert.ok(completed, 'needs the uninterrupted run of the first test');
  const record = JSON.parse(readFileSync(join(w.out, 'tiny', 'constant', 'run.json'), 'utf8'));
  // A lone cell computes on all cores (up to wasm's 8 threads); the first test's, beside another, on fewer.
  assert.is(record.engine.threads, Math.min(8, cores));
  // The killed run is recorded as the resumed run's earlier one, with the epochs it kept.
  const kept = record.earlierRuns?.[0]?.throughEpoch;
  assert.ok(kept >= 1 && kept < 3, `killed after ${kept} epochs`);
  assert.equal(record.earlierRuns, [{ throughEpoch: kept, startedAt: killedRecord.startedAt, engine: killedRecord.engine, gitCommit: killedRecord.gitCommit }]);
  assert.ok(record.startedAt > killedRecord.startedAt);
  assert.equal(learned(rows), learned(metricsRows(completed.out, 'constant')), 'resumed run (all cores) = uninterrupted run (beside another cell): thread counts give the same bits');
  const stepLogOf = (out: string) => readFileSync(join(out, 'tiny', 'constant', 'steps.csv'), 'utf8');
  assert.is(stepLogOf(w.out), stepLogOf(completed.out), 'resumed step log = uninterrupted step log');
});

test('a changed cell configuration over existing results is refused, naming the file', async () => {
  assert.ok(completed);
  const w = { ...completed, suiteFile: join(completed.out, '..', 'tiny.json') };
  const changed = spawnSync(scbench, runArgs(w, '--epochs', '5'), { encoding: 'utf8' });
  assert.is(changed.status, 1);
  assert.match(changed.stderr.trim(), /^scbench: .*tiny\/constant\/run\.json: was run with another configuration of cell "constant"/);
});

test('a cell with initFrom waits for its source cell and starts from its final weights', async () => {
  const w = await workspace();
  const chained = {
    ...suite,
    cells: [
      { id: 'second', initFrom: 'first', policy: { name: 'constant', lr: 0.01, momentum: 0.9 }, epochs: 1 },
      { id: 'first', policy: { name: 'constant', lr: 0.05, momentum: 0.9 }, epochs: 2 },
    ].reverse(),
  };
  await writeFile(w.suiteFile, JSON.stringify(chained));
  const result = spawnSync(scbench, runArgs(w, '--jobs', '2'), { encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  const first = metricsRows(w.out, 'first');
  const second = metricsRows(w.out, 'second');
  const trainLoss = (rows: string[][], epoch: number) => Number(rows[epoch][2]);
  assert.ok(
    trainLoss(second, 1) < trainLoss(first, 1),
    `second's first epoch (${trainLoss(second, 1)}) starts where first left off, below first's own first epoch (${trainLoss(first, 1)})`,
  );
});

test.run();
