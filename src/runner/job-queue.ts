import type { CellJob } from './cell.ts';

/**
 * The cells still to train, handed out in suite order, except that a cell starting from another
 * cell's weights (initFrom) waits until that cell has finished, when both are in this run.
 */
export class JobQueue {
  private readonly waiting: CellJob[];
  private readonly running = new Set<string>();
  private wake: (() => void)[] = [];

  constructor(jobs: readonly CellJob[]) {
    this.waiting = [...jobs];
  }

  get empty(): boolean {
    return this.waiting.length === 0;
  }

  /** Cells waiting or running (a cell just taken included). */
  get unfinished(): number {
    return this.waiting.length + this.running.size;
  }

  /** The next job whose source cell is done, waiting for one if need be; undefined once none is left. */
  async take(): Promise<CellJob | undefined> {
    for (;;) {
      const index = this.waiting.findIndex((job) => !this.isPending(job.cell.initFrom));
      if (index >= 0) {
        const [job] = this.waiting.splice(index, 1);
        this.running.add(job.cell.id);
        return job;
      }
      if (this.waiting.length === 0) return undefined;
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  done(job: CellJob): void {
    this.running.delete(job.cell.id);
    const waking = this.wake;
    this.wake = [];
    for (const resolve of waking) resolve();
  }

  private isPending(id: string | undefined): boolean {
    return id !== undefined && (this.running.has(id) || this.waiting.some((job) => job.cell.id === id));
  }
}
