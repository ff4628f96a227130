// `scbench schedule`: the lr and momentum of every iteration of a policy, as JSON lines or CSV.
import { UserError } from '../errors.ts';
import { makeSchedule, parsePolicy, type Policy } from './policy.ts';

export type ScheduleRow = { iteration: number; lr: number; momentum?: number };

export const SCHEDULE_FORMATS = ['json', 'csv'] as const;
export type ScheduleFormat = (typeof SCHEDULE_FORMATS)[number];

/** One row per optimizer step 0 .. iterations - 1 of a run that long. */
export function scheduleRows(policy: Policy, iterations: number): ScheduleRow[] {
  const schedule = makeSchedule(policy, iterations);
  return Array.from({ length: iterations }, (_, iteration) => ({ iteration, ...schedule(iteration) }));
}

/**
 * json: one object per line, momentum omitted where the policy leaves it alone; csv: header iteration,lr,momentum
 * with an empty momentum there. Numbers print in JavaScript's shortest round-trip form. Every line ends in "\n".
 */
export function formatSchedule(rows: readonly ScheduleRow[], format: ScheduleFormat): string {
  if (format === 'json') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  const lines = rows.map((row) => `${row.iteration},${row.lr},${row.momentum ?? ''}\n`);
  return `iteration,lr,momentum\n${lines.join('')}`;
}

/** Validates the raw flag values of `scbench schedule` and returns the text to print. */
export function scheduleCommand(opts: { policy: string; iterations: string; format: string }): string {
  let json: unknown;
  try {
    json = JSON.parse(opts.policy);
  } catch (error) {
    throw new UserError(`--policy: not valid JSON (${(error as Error).message})`);
  }
  const policy = parsePolicy(json, '--policy');
  const iterations = Number(opts.iterations);
  if (!/^\d+$/.test(opts.iterations) || !Number.isSafeInteger(iterations) || iterations < 1) {
    throw new UserError(`--iterations: must be a positive integer, got "${opts.iterations}"`);
  }
  const format = SCHEDULE_FORMATS.find((name) => name === opts.format);
  if (format === undefined) throw new UserError(`--format: must be ${SCHEDULE_FORMATS.join(' or ')}, got "${opts.format}"`);
  return formatSchedule(scheduleRows(policy, iterations), format);
}
