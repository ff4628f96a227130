import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import fetch from 'node-fetch';
import { UserError } from '../src/errors.ts';
import { byteProgress, formatBytes } from './progress.ts';

/** What an archive must be: its md5 and, where known, its exact size. */
export interface ExpectedArchive {
  readonly md5: string;
  readonly bytes?: number;
}

const MAX_ATTEMPTS = 6;
/** Waits before retry 1, 2, ...: 0.5 s doubling to 8 s. */
const backoffMs = (retry: number) => Math.min(8000, 500 * 2 ** (retry - 1));
/** A transfer that receives nothing this long is dropped and resumed. */
const IDLE_TIMEOUT_MS = 60_000;
/** Network errors worth another attempt; anything else (HTTP 404, a full disk) fails at once. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_STREAM_PREMATURE_CLOSE']);

/** A failure the next attempt may not see: a dropped connection, HTTP 5xx or 429. */
class TransientError extends Error {}

function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  return name === 'AbortError' || TRANSIENT_CODES.has(code ?? '') || /premature close|aborted|socket hang up/i.test(message ?? '');
}

function transientReason(error: unknown): string {
  if (error instanceof TransientError) return error.message;
  const { name, message } = error as Error;
  return name === 'AbortError' ? `nothing received for ${IDLE_TIMEOUT_MS / 1000} s` : `connection lost (${message})`;
}

export async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

/** The first way `file` differs from the expected archive (size, then md5), or undefined when it is that archive. */
export async function archiveMismatch(file: string, expected: ExpectedArchive): Promise<string | undefined> {
  const size = await sizeOf(file);
  if (expected.bytes !== undefined && size !== expected.bytes) return `expected ${expected.bytes} B, got ${size} B`;
  const md5 = await md5OfFile(file);
  return md5 === expected.md5 ? undefined : `expected md5 ${expected.md5}, got ${md5}`;
}

/**
 * Checks a file in the cache against the expected archive. A mismatch moves it to `<file>.bad`,
 * where nothing reads it, and throws an error naming the file, the expected and the actual value.
 */
export async function verifyOrSetAside(file: string, shownAs: string, expected: ExpectedArchive): Promise<void> {
  const mismatch = await archiveMismatch(file, expected);
  if (mismatch === undefined) return;
  const aside = `${shownAs}.bad`;
  await rename(file, aside);
  throw new UserError(`checksum mismatch for ${shownAs}: ${mismatch}; the file was moved to ${aside}`);
}

export interface DownloadOptions {
  readonly url: string;
  /** Where the verified archive ends up; it is downloaded to `<dest>.part` first. */
  readonly dest: string;
  readonly expected: ExpectedArchive;
  /** Names the transfer in the progress bar and log lines. */
  readonly label: string;
  readonly quiet: boolean;
  readonly log: (line: string) => void;
}

/**
 * Downloads `url` to `<dest>.part`, resuming what an earlier attempt or run left there with an
 * HTTP Range request, retrying transient failures with backoff; verifies it, then renames it to `dest`.
 */
export async function downloadArchive(options: DownloadOptions): Promise<void> {
  const part = `${options.dest}.part`;
  for (let attempt = 1; ; attempt++) {
    try {
      await transferOnce(options, part);
      break;
    } catch (error) {
      if (!isTransient(error)) throw error instanceof UserError ? error : new UserError(`cannot download ${options.url}: ${(error as Error).message}`);
      const reason = transientReason(error);
      const held = await sizeOf(part);
      if (attempt === MAX_ATTEMPTS) {
        throw new UserError(`cannot download ${options.url} after ${attempt} attempts: ${reason}; the ${formatBytes(held)} received are kept in ${part} and the next run resumes from there`);
      }
      options.log(`${options.label}: ${reason}; retrying in ${backoffMs(attempt) / 1000} s from byte ${held}`);
      await sleep(backoffMs(attempt));
    }
  }
  await verifyOrSetAside(part, options.dest, options.expected);
  await rename(part, options.dest);
}

async function transferOnce(options: DownloadOptions, part: string): Promise<void> {
  const { url, expected, log, label } = options;
  let held = await sizeOf(part);
  if (expected.bytes !== undefined && held > expected.bytes) {
    await rm(part);
    held = 0;
  }
  if (expected.bytes !== undefined && held === expected.bytes) return; // complete: verified next

  const controller = new AbortController();
  const idle = setTimeout(() => controller.abort(), IDLE_TIMEOUT_MS);
  try {
    const response = await fetch(url, { headers: held > 0 ? { Range: `bytes=${held}-` } : {}, signal: controller.signal });
    if (response.status === 416) {
      await rm(part);
      throw new TransientError('the server cannot resume this file (HTTP 416); starting over');
    }
    if (response.status >= 500 || response.status === 429) throw new TransientError(`HTTP ${response.status} ${response.statusText}`);
    if (!response.ok || !response.body) throw new UserError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`);

    let start = 0;
    if (response.status === 206) {
      start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
      if (start !== held) {
        await rm(part);
        throw new TransientError(`the server resumed at byte ${start} instead of ${held}; starting over`);
      }
    } else if (held > 0) {
      log(`${label}: the server ignored the resume request (HTTP 200 to a Range request); downloading from the start`);
    }
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? start + length : expected.bytes;
    const progress = byteProgress(label, start, total, options.quiet);
    // Each chunk is on disk before the next is read, so a dropped connection keeps all it delivered.
    let received = start;
    const file = await open(part, start > 0 ? 'a' : 'w');
    try {
      for await (const chunk of response.body) {
        await file.write(chunk as Buffer);
        received += (chunk as Buffer).length;
        progress.update(received);
        idle.refresh();
      }
    } finally {
      progress.stop();
      await file.close();
    }
    if (Number.isFinite(length) && received !== start + length) {
      throw new TransientError(`the connection closed at byte ${received} of ${start + length}`);
    }
  } finally {
    clearTimeout(idle);
  }
}
