import cliProgress from 'cli-progress';
import type { CellEvent } from './cell.ts';

/** Shows training progress: live bars on a terminal, one line per finished epoch otherwise. */
export interface ProgressView {
  event(event: CellEvent): void;
  log(line: string): void;
  stop(): void;
}

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? new BarsView(stream) : new LinesView(stream);
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

function epochLine(event: Extract<CellEvent, { type: 'epoch' }>): string {
  const m = event.metrics;
  return (
    `${event.cellId} epoch ${m.epoch}/${event.epochs}: train loss ${m.trainLoss.toFixed(4)} acc ${percent(m.trainAccuracy)}, ` +
    `test loss ${m.testLoss.toFixed(4)} acc ${percent(m.testAccuracy)}, lr ${m.lr.toPrecision(3)}, ` +
    `${m.imagesPerSecond.toFixed(0)} img/s, ${m.epochSeconds.toFixed(1)} s`
  );
}

class LinesView implements ProgressView {
  constructor(private readonly stream: NodeJS.WriteStream) {}
  event(event: CellEvent): void {
    if (event.type === 'epoch') this.log(epochLine(event));
  }
  log(line: string): void {
    this.stream.write(`${line}\n`);
  }
  stop(): void {}
}

class BarsView implements ProgressView {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly multi: cliProgress.MultiBar;

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: '{cell} [{bar}] epoch {epoch}/{epochs} batch {value}/{total} loss {loss} lr {lr} {speed} img/s',
        hideCursor: true,
        clearOnComplete: false,
        barsize: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  event(event: CellEvent): void {
    if (event.type === 'epoch') {
      this.log(epochLine(event));
      return;
    }
    const { step } = event;
    const payload = {
      cell: event.cellId,
      epoch: step.epoch,
      epochs: event.epochs,
      loss: step.loss.toFixed(4),
      lr: step.lr.toPrecision(3),
      speed: step.imagesPerSecond.toFixed(0),
    };
    let bar = this.bars.get(event.cellId);
    if (!bar) {
      bar = this.multi.create(step.batchesPerEpoch, 0, payload);
      this.bars.set(event.cellId, bar);
    }
    bar.setTotal(step.batchesPerEpoch);
    bar.update(step.batch, payload);
  }

  log(line: string): void {
    this.multi.log(`${line}\n`);
  }

  stop(): void {
    this.multi.stop();
  }
}
