export type { Schedule, ScheduleValue } from './schedule.ts';
export { POLICY_NAMES, makeSchedule, parsePolicy, policySchema, type Policy } from './policy.ts';
export { formatSchedule, scheduleCommand, scheduleRows, type ScheduleFormat, type ScheduleRow } from './command.ts';
export type { ConstantPolicy } from './constant.ts';
export type { CyclicalPolicy } from './cyclical.ts';
export type { MultistepPolicy } from './multistep.ts';
export type { OneCyclePolicy } from './one-cycle.ts';
export type { OneCycleCosinePolicy } from './one-cycle-cosine.ts';
