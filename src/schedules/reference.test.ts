// The schedules against values recorded from the real implementations (PyTorch CyclicLR / OneCycleLR / MultiStepLR and
// keras-one-cycle's clr.py); the generators in scripts/reference/ say how the fixtures were made.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSchedule, parsePolicy, scheduleCommand } from './index.ts';

type ReferenceCase = { label: string; policy: unknown; totalIterations: number; lr: number[]; momentum?: number[] };
type Fixture = { reference: string; cases: ReferenceCase[] };

const RELATIVE_TOLERANCE = 1e-9;

function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Fixture;
}

function assertClose(actual: number | undefined, expected: number, what: string): void {
  const close = actual !== undefined && Math.abs(actual - expected) <= RELATIVE_TOLERANCE * Math.abs(expected);
  assert.ok(close, `${what}: got ${actual}, reference ${expected}`);
}

for (const [file, minimumCases] of [['torch.json', 21], ['keras-one-cycle.json', 8]] as const) {
  const fixture = loadFixture(file);
  test(`${file} holds its cases`, () => {
    assert.ok(fixture.cases.length >= minimumCases, `${fixture.cases.length} cases`);
  });
  for (const reference of fixture.cases) {
    test(`${fixture.reference}: ${reference.label}`, () => {
      const schedule = makeSchedule(parsePolicy(reference.policy, reference.label), reference.totalIterations);
      reference.lr.forEach((lr, iteration) => {
        const value = schedule(iteration);
        assertClose(value.lr, lr, `lr at iteration ${iteration}`);
        if (reference.momentum === undefined) assert.is(value.momentum, undefined, `momentum at iteration ${iteration}`);
        else assertClose(value.momentum, reference.momentum[iteration]!, `momentum at iteration ${iteration}`);
      });
    });
  }
}

test('scbench schedule prints the recorded MultiStepLR values', () => {
  const cases = loadFixture('torch.json').cases.filter((c) => (c.policy as { name: string }).name === 'multistep');
  assert.ok(cases.length >= 3, `${cases.length} multistep cases`);
  for (const reference of cases) {
    const text = scheduleCommand({ policy: JSON.stringify(reference.policy), iterations: String(reference.totalIterations), format: 'json' });
    const rows = text.trimEnd().split('\n').map((line) => JSON.parse(line) as { lr: number; momentum?: number });
    assert.is(rows.length, reference.lr.length, reference.label);
    rows.forEach((row, iteration) => {
      assertClose(row.lr, reference.lr[iteration]!, `${reference.label}: lr at iteration ${iteration}`);
      if (reference.momentum) assertClose(row.momentum, reference.momentum[iteration]!, `${reference.label}: momentum at iteration ${iteration}`);
    });
  }
});

test.run();
