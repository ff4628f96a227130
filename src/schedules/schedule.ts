/** The optimizer settings for one step: the learning rate, and the momentum where the policy drives it. */
export type ScheduleValue = { lr: number; momentum?: number };

/** The settings used by the optimizer step of `iteration` (0 = the first step). Pure: no state, no tensors. */
export type Schedule = (iteration: number) => ScheduleValue;
