import cliProgress from 'cli-progress';

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export interface ByteProgress {
  /** Bytes held so far (a resumed download starts above zero). */
  update(bytes: number): void;
  stop(): void;
}

const SILENT: ByteProgress = { update() {}, stop() {} };

/**
 * A progress bar on stderr for one transfer: bytes, rate over this transfer, ETA. Silent when
 * asked to be, or when stderr is not a terminal (logs and CI get the log lines only).
 */
export function byteProgress(label: string, startBytes: number, totalBytes: number | undefined, quiet: boolean): ByteProgress {
  if (quiet || !process.stderr.isTTY) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: totalBytes
        ? `${label} [{bar}] {percentage}% | {held} / {total_text} | {rate}/s | ETA {eta_formatted}`
        : `${label} {held} | {rate}/s`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const payload = (bytes: number) => ({
    held: formatBytes(bytes),
    total_text: formatBytes(totalBytes ?? 0),
    rate: formatBytes(Math.round(((bytes - startBytes) * 1000) / Math.max(1, Date.now() - started))),
  });
  bar.start(totalBytes ?? 0, startBytes, payload(startBytes));
  return {
    update: (bytes) => bar.update(bytes, payload(bytes)),
    stop: () => bar.stop(),
  };
}

export interface CountProgress {
  increment(): void;
  stop(): void;
}

/** A progress bar on stderr over `total` items (images decoded): count, rate, ETA. Silent as byteProgress is. */
export function countProgress(label: string, total: number, quiet: boolean): CountProgress {
  if (quiet || !process.stderr.isTTY) return { increment() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% | {value} / {total} | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 500 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { increment: () => bar.increment(), stop: () => bar.stop() };
}
