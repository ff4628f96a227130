import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { makeSchedule, parsePolicy, policySchema } from './index.ts';

/** The message parsePolicy rejects `json` with (failing the test if it is accepted or throws something else). */
function parseError(json: unknown): string {
  let message = '';
  assert.throws(() => parsePolicy(json, '--policy'), (error: unknown) => {
    message = (error as Error).message;
    return error instanceof UserError;
  });
  return message;
}

const cyclical = { name: 'cyclical', baseLr: 0.1, maxLr: 0.4, stepSize: 10 };

test('defaults are filled in', () => {
  assert.equal(parsePolicy({ name: 'one-cycle', maxLr: 0.4 }, 'x'), {
    name: 'one-cycle', maxLr: 0.4, endPercentage: 0.1, scalePercentage: null, maxMomentum: 0.95, minMomentum: 0.85,
  });
  assert.equal(parsePolicy({ name: 'one-cycle-cosine', maxLr: 0.4 }, 'x'), {
    name: 'one-cycle-cosine', maxLr: 0.4, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, anneal: 'cos', threePhase: false,
    baseMomentum: 0.85, maxMomentum: 0.95,
  });
  assert.equal(parsePolicy(cyclical, 'x'), { ...cyclical, mode: 'triangular', gamma: 1 });
  assert.equal(parsePolicy({ name: 'constant', lr: 0.04 }, 'x'), { name: 'constant', lr: 0.04 });
  assert.equal(parsePolicy({ name: 'multistep', lr: 0.35, milestones: [50000, 70000] }, 'x'), { name: 'multistep', lr: 0.35, milestones: [50000, 70000], gamma: 0.1 });
});

test('multistep: milestones are iterations, at least one', () => {
  assert.is(parseError({ name: 'multistep', lr: 0.1, milestones: [] }), '--policy: milestones: must list at least one iteration');
  assert.is(parseError({ name: 'multistep', lr: 0.1, milestones: [10, 2.5] }), '--policy: milestones[1]: must be a non-negative integer');
});

test('negative and zero learning rates name the field', () => {
  assert.is(parseError({ name: 'constant', lr: -0.1 }), '--policy: lr: must be > 0');
  assert.is(parseError({ name: 'one-cycle', maxLr: 0 }), '--policy: maxLr: must be > 0');
  assert.is(parseError({ ...cyclical, baseLr: -1, maxLr: 1 }), '--policy: baseLr: must be > 0');
});

test('maxLr below baseLr is rejected at maxLr', () => {
  assert.is(parseError({ ...cyclical, maxLr: 0.05 }), '--policy: maxLr: must be >= baseLr (0.1)');
});

test('pctStart outside (0, 1) is rejected', () => {
  for (const pctStart of [0, 1, 1.5, -0.2]) {
    assert.is(parseError({ name: 'one-cycle-cosine', maxLr: 1, pctStart }), '--policy: pctStart: must be in (0, 1)');
  }
});

test('stepSize must be a positive integer', () => {
  for (const stepSize of [0, 2.5, -3]) {
    assert.is(parseError({ ...cyclical, stepSize }), '--policy: stepSize: must be a positive integer');
  }
});

test('momentum bounds are checked and paired', () => {
  assert.is(parseError({ name: 'one-cycle', maxLr: 1, minMomentum: 0.96 }), '--policy: minMomentum: must be <= maxMomentum (0.95)');
  assert.is(parseError({ ...cyclical, maxMomentum: 0.9 }), '--policy: baseMomentum: required when maxMomentum is given');
  assert.is(parseError({ ...cyclical, baseMomentum: 0.9, maxMomentum: 0.8 }), '--policy: maxMomentum: must be >= baseMomentum (0.9)');
  assert.is(parseError({ name: 'constant', lr: 0.1, momentum: 1 }), '--policy: momentum: must be in [0, 1)');
});

test('unknown keys, unknown names and wrong types are rejected', () => {
  assert.is(parseError({ name: 'constant', lr: 0.1, maxlr: 1 }), '--policy: unknown key "maxlr" (known: name, lr, momentum)');
  assert.is(parseError({ name: 'super', lr: 0.1 }), '--policy: name: must be one of constant, cyclical, one-cycle, one-cycle-cosine, multistep');
  assert.is(parseError({ lr: 0.1 }), '--policy: name: must be one of constant, cyclical, one-cycle, one-cycle-cosine, multistep');
  assert.is(parseError({ name: 'one-cycle' }), '--policy: maxLr: required');
  assert.is(parseError({ name: 'one-cycle', maxLr: '0.1' }), '--policy: maxLr: must be a number');
  assert.is(parseError({ ...cyclical, mode: 'triangle' }), '--policy: mode: must be one of triangular, triangular2, exp_range');
  assert.is(parseError('one-cycle'), '--policy: must be a policy object with a "name"');
});

test('embedded in another schema, issues carry the full path', () => {
  const suite = z.object({ cells: z.array(z.object({ policy: policySchema })) });
  const result = suite.safeParse({ cells: [{ policy: { name: 'constant', lr: 0.1 } }, { policy: { ...cyclical, maxLr: 0.01 } }] });
  assert.not.ok(result.success);
  assert.equal(result.error!.issues.map((issue) => [issue.path, issue.message]), [[['cells', 1, 'policy', 'maxLr'], 'must be >= baseLr (0.1)']]);
});

test('a run too short for a one-cycle policy is a UserError', () => {
  const oneCycle = parsePolicy({ name: 'one-cycle', maxLr: 1 }, 'x');
  assert.throws(() => makeSchedule(oneCycle, 2), (error: unknown) => error instanceof UserError && /needs at least 3/.test((error as Error).message));
  const cosine = parsePolicy({ name: 'one-cycle-cosine', maxLr: 1 }, 'x');
  assert.throws(() => makeSchedule(cosine, 3), (error: unknown) => error instanceof UserError && /phase 1 of 2 empty/.test((error as Error).message));
  assert.not.throws(() => makeSchedule(cosine, 4));
});

test.run();
