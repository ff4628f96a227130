// benchmarks/lr-suggestion.json trains with the embedded range test's one-cycle-max suggestion written in as a
// number; this re-runs that range test and checks the number is still what it suggests.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BENCHMARKS_DIR } from '../suite/index.ts';

const scbench = fileURLToPath(new URL('../../bin/scbench', import.meta.url));
const checkSuite = join(BENCHMARKS_DIR, 'lr-suggestion.json');
const TEST_ID = 'embedded.simple-mnist.mnist';

test("lr-suggestion's suggested max lr is the embedded range test's one-cycle-max suggestion", async () => {
  const out = await mkdtemp(join(tmpdir(), 'scbench-embedded-rt-'));
  const run = spawnSync(scbench, ['run', '--suite', 'range-tests', '--cells', TEST_ID, '--backend', 'wasm', '--out', out, '--no-report'], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const record = JSON.parse(readFileSync(join(out, 'range-tests', TEST_ID, 'suggestions.json'), 'utf8'));
  const suggested = record.suggestions.find((s: { name: string }) => s.name === 'one-cycle-max').lr;
  const suite = JSON.parse(readFileSync(checkSuite, 'utf8'));
  const written = suite.cells.find((cell: { id: string }) => cell.id === 'suggested').policy.maxLr;
  assert.ok(Math.abs(written - suggested) <= 1e-9 * suggested, `benchmarks/lr-suggestion.json has ${written}, the range test now suggests ${suggested}`);
});

test.run();
