import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Lock timing. The holder touches the file every HEARTBEAT_MS; a lock untouched for STALE_MS is
 * abandoned. That is the only test that works across machines and containers (pods sharing one data
 * volume, where a pid says nothing); it is generous because a decode can keep the event loop busy for a
 * while, and because the clocks of the machines that share a volume may differ a little.
 */
export interface LockTiming {
  pollMs: number;
  heartbeatMs: number;
  staleMs: number;
}

const DEFAULT_TIMING: LockTiming = { pollMs: 500, heartbeatMs: 10_000, staleMs: 300_000 };

/** What a lock file holds: who took it, and a token that tells this taking from any other. */
interface Holder {
  host: string;
  /** The boot and pid namespace of the holder: where its pid means something (see `pidSpace`). */
  pidSpace: string;
  pid: number;
  token: string;
}

/**
 * Two processes can compare pids only on one boot of one kernel and in one pid namespace: containers
 * may share a host name (host network, a fixed hostname) and still see each other's pids as nothing.
 */
export function pidSpace(): string {
  const probe = (read: () => string) => {
    try {
      return read().trim();
    } catch {
      return '?'; // not Linux: the host name alone
    }
  };
  return `${hostname()} ${probe(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'))} ${probe(() => readlinkSync('/proc/self/ns/pid'))}`;
}

/** Tokens of the locks this process holds now (two fetches in one process are two holders). */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Found {
  holder?: Holder;
  /** The holder's token, or for a file that is not a lock of ours, its inode: what tells one lock from the next. */
  identity: string;
  ageMs: number;
}

async function readLock(lockFile: string): Promise<Found | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    let holder: Holder | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<Holder>;
      if (typeof parsed.pidSpace === 'string' && typeof parsed.pid === 'number' && typeof parsed.token === 'string') holder = parsed as Holder;
    } catch {
      // a foreign file: judged by its age alone
    }
    return { holder, identity: holder?.token ?? `inode ${info.ino}`, ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Why a lock is abandoned, or undefined while its holder may still be working. In our pid space the
 * pid can be checked; our own pid there without our holding the lock means an earlier process that had
 * this pid left it.
 */
function abandonment({ holder, ageMs }: Found, timing: LockTiming, here: string): string | undefined {
  if (ageMs > timing.staleMs) return `untouched for ${Math.round(ageMs / 1000)} s`;
  if (holder?.pidSpace !== here) return undefined;
  if (holder.pid === process.pid) return heldHere.has(holder.token) ? undefined : 'left by an earlier process with this pid';
  return isAlive(holder.pid) ? undefined : `process ${holder.pid} is gone`;
}

/** Creates `file` with `text` in it, whole, or returns false when it exists: never a half-written file. */
async function createWith(file: string, text: string): Promise<boolean> {
  const draft = `${file}.${randomUUID()}.draft`;
  await writeFile(draft, text);
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(draft, { force: true });
  }
}

/**
 * Removes `file` if it is still the lock `identity` (moved aside first, so the check and the removal are
 * one); says whether it did.
 */
async function removeIf(file: string, identity: string): Promise<boolean> {
  const aside = `${file}.${randomUUID()}.aside`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const same = (await readLock(aside))?.identity === identity;
  if (!same) await link(aside, file).catch(() => {});
  await rm(aside, { force: true });
  return same;
}

/**
 * Removes an abandoned lock; false when another waiter is doing it or has done it. One waiter at a time does it, holding
 * `<lock>.takeover` (itself taken over when older than staleMs). Holding it, the waiter reads the lock again and
 * removes it only if it is still the one judged abandoned and still abandoned: between the first reading and the
 * guard, another waiter may have removed that lock and a new holder taken the file, whose lock even a moment
 * moved aside would let a third process in beside it.
 */
export async function takeOver(lockFile: string, judged: Found, timing: LockTiming, here: string): Promise<boolean> {
  const guard = `${lockFile}.takeover`;
  if (!(await createWith(guard, String(process.pid)))) {
    const other = await readLock(guard);
    if (other && other.ageMs > timing.staleMs) await removeIf(guard, other.identity);
    return false;
  }
  try {
    const now = await readLock(lockFile);
    if (now?.identity !== judged.identity || !abandonment(now, timing, here)) return false;
    return await removeIf(lockFile, judged.identity);
  } finally {
    await rm(guard, { force: true });
  }
}

function describe(holder: Holder | undefined): string {
  if (!holder) return 'another process';
  return holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
}

/**
 * Runs `task` holding a lock file, so that scbench processes sharing a data cache (a suite's
 * parallel cells, or shards in pods on one volume) never download into the same partial file or
 * write the same cache at once. An abandoned lock (see `abandonment`) is taken over.
 */
export async function withLock<T>(
  lockFile: string,
  log: (line: string) => void,
  task: () => Promise<T>,
  timing: LockTiming = DEFAULT_TIMING,
): Promise<T> {
  await mkdir(dirname(lockFile), { recursive: true });
  const here = pidSpace();
  const mine: Holder = { host: hostname(), pidSpace: here, pid: process.pid, token: randomUUID() };
  let announced = false;
  heldHere.add(mine.token);
  try {
    while (!(await createWith(lockFile, JSON.stringify(mine)))) {
      const found = await readLock(lockFile);
      if (!found) continue;
      const reason = abandonment(found, timing, here);
      if (reason && (await takeOver(lockFile, found, timing, here))) {
        log(`took over ${lockFile}: ${reason}`);
        continue;
      }
      if (!announced) log(`waiting for ${describe(found.holder)}, which holds ${lockFile}`);
      announced = true;
      await sleep(timing.pollMs);
    }
    const heartbeat = setInterval(() => {
      const now = new Date();
      utimes(lockFile, now, now).catch(() => {});
    }, timing.heartbeatMs);
    heartbeat.unref();
    try {
      return await task();
    } finally {
      clearInterval(heartbeat);
      await removeIf(lockFile, mine.token);
    }
  } finally {
    heldHere.delete(mine.token);
  }
}
