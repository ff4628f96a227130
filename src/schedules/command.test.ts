import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../errors.ts';
import { makeSchedule, parsePolicy, scheduleCommand } from './index.ts';

const oneCycle = '{"name":"one-cycle","maxLr":0.7}';

test('json: one object per line, numbers that round-trip exactly', () => {
  const lines = scheduleCommand({ policy: oneCycle, iterations: '30', format: 'json' }).split('\n');
  assert.is(lines.pop(), '');
  assert.is(lines.length, 30);
  const schedule = makeSchedule(parsePolicy(JSON.parse(oneCycle), 'x'), 30);
  lines.forEach((line, iteration) => assert.equal(JSON.parse(line), { iteration, ...schedule(iteration) }));
  assert.match(lines[1]!, /^\{"iteration":1,"lr":[0-9.e-]+,"momentum":[0-9.e-]+\}$/);
});

test('json: momentum omitted where the policy leaves it alone', () => {
  const text = scheduleCommand({ policy: '{"name":"cyclical","baseLr":0.1,"maxLr":0.3,"stepSize":2}', iterations: '3', format: 'json' });
  assert.is(text, '{"iteration":0,"lr":0.1}\n{"iteration":1,"lr":0.2}\n{"iteration":2,"lr":0.3}\n');
});

test('csv: header, then an empty momentum where there is none', () => {
  assert.is(scheduleCommand({ policy: '{"name":"constant","lr":0.04}', iterations: '2', format: 'csv' }), 'iteration,lr,momentum\n0,0.04,\n1,0.04,\n');
  const rows = scheduleCommand({ policy: oneCycle, iterations: '10', format: 'csv' }).trimEnd().split('\n');
  assert.is(rows.length, 11);
  assert.is(rows[1], '0,0.06999999999999999,0.95');
});

test('bad flag values are UserErrors naming the flag', () => {
  const cases: [Record<'policy' | 'iterations' | 'format', string>, RegExp][] = [
    [{ policy: '{name:1}', iterations: '5', format: 'json' }, /^--policy: not valid JSON/],
    [{ policy: '{"name":"constant","lr":0}', iterations: '5', format: 'json' }, /^--policy: lr: must be > 0$/],
    [{ policy: oneCycle, iterations: '0', format: 'json' }, /^--iterations: must be a positive integer, got "0"$/],
    [{ policy: oneCycle, iterations: '2.5', format: 'json' }, /^--iterations: /],
    [{ policy: oneCycle, iterations: 'ten', format: 'json' }, /^--iterations: /],
    [{ policy: oneCycle, iterations: '5', format: 'tsv' }, /^--format: must be json or csv, got "tsv"$/],
  ];
  for (const [opts, message] of cases) {
    assert.throws(() => scheduleCommand(opts), (error: unknown) => error instanceof UserError && message.test((error as Error).message));
  }
});

test.run();
