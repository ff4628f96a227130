// steps.csv, a cell's step log: one row per optimizer step, in order, with the lr and momentum the step used and
// its batch's training loss (with the weight-decay term, like metrics.csv's trainLoss). This module owns the
// format: the runner writes it through stepLog(), a training callback, the report reads it through readStepLog().
//
// The log grows one epoch at a time: the epoch's rows are appended and flushed to disk before its checkpoint is
// written, so the log always holds at least the steps the checkpoint covers. A resumed cell cuts it back to
// exactly those (an atomic rewrite) and goes on, so a cell killed at any moment and resumed ends with the log an
// uninterrupted run writes. A diverged cell's log also holds its unfinished epoch, up to the step that diverged.
import { rm } from 'node:fs/promises';
import { appendFileSynced, readTextIfExists, writeFileAtomic } from '../fsutil.ts';
import { checkConsecutive, numericCsv, parseNumericCsv, UnreadableResultFile } from './csv.ts';

export const STEP_LOG_FILE = 'steps.csv';

/** One optimizer step as it ran: the hyper-parameters it used and its batch's training loss. */
export interface StepRecord {
  iteration: number;
  lr: number;
  momentum: number;
  loss: number;
}

export const STEP_LOG_COLUMNS: readonly (keyof StepRecord)[] = ['iteration', 'lr', 'momentum', 'loss'];

const stepLogCsv = (rows: readonly StepRecord[], withHeader: boolean) => numericCsv(rows, STEP_LOG_COLUMNS, withHeader);

/** The rows of a step log, checked: the header, numbers only, iterations 0, 1, 2, ...; throws UnreadableResultFile naming the file and line. */
export function parseStepLog(text: string, file: string): StepRecord[] {
  const rows = parseNumericCsv(text, file, STEP_LOG_COLUMNS) as unknown as StepRecord[];
  checkConsecutive(rows, file, 'iteration', 0);
  return rows;
}

/** A step log's rows; undefined when the file does not exist. */
export async function readStepLog(file: string): Promise<StepRecord[] | undefined> {
  const text = await readTextIfExists(file);
  return text === undefined ? undefined : parseStepLog(text, file);
}

/**
 * The step log as a training callback (src/train/loop.ts's TrainingCallback): it takes the steps as the loop reads
 * them and appends them at each epoch's end; `writePending` appends the steps read since the last epoch end.
 */
export interface StepLog {
  onStepsRead(records: readonly StepRecord[]): void;
  onEpochEnd(): Promise<void>;
  writePending(): Promise<void>;
}

/**
 * Opens the step log of a cell that continues after `iteration` steps (0 for a fresh cell; the checkpoint's last
 * iteration for a resumed one), cut back to exactly those steps. Returns undefined, and removes the file, when it
 * does not hold them all (a cell started by a version of scbench without step logs): a log with a gap would draw
 * a schedule the cell never ran.
 */
export async function stepLog(file: string, iteration: number): Promise<StepLog | undefined> {
  let kept: StepRecord[] = [];
  if (iteration > 0) {
    // Lines past the checkpoint's steps (an epoch appended before a kill, perhaps cut short) are dropped unread.
    const text = await readTextIfExists(file);
    const lines = text?.split('\n').slice(0, 1 + iteration) ?? [];
    try {
      kept = parseStepLog(`${lines.join('\n')}\n`, file);
    } catch (error) {
      if (!(error instanceof UnreadableResultFile)) throw error;
    }
    if (kept.length < iteration) {
      await rm(file, { force: true });
      return undefined;
    }
  }
  await writeFileAtomic(file, stepLogCsv(kept, true));

  let next = iteration;
  const pending: StepRecord[] = [];
  const writePending = async () => {
    if (pending.length === 0) return;
    await appendFileSynced(file, stepLogCsv(pending, false));
    pending.length = 0;
  };
  return {
    onStepsRead(records) {
      for (const { iteration, lr, momentum, loss } of records) {
        if (iteration !== next) throw new Error(`${file}: the training loop reported step ${iteration}, expected ${next}`);
        pending.push({ iteration, lr, momentum, loss });
        next++;
      }
    },
    onEpochEnd: writePending,
    writePending,
  };
}
