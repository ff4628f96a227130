import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Lock timing. The holder touches the file every HEARTBEAT_MS; a lock untouched for STALE_MS is
 * abandoned. That is the only test that works across machines (pods sharing one data volume, where
 * a pid says nothing); it is generous because a decode can keep the event loop busy for a while.
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
  pid: number;
  token: string;
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

async function readHolder(lockFile: string): Promise<{ holder?: Holder; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    let holder: Holder | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<Holder>;
      if (typeof parsed.host === 'string' && typeof parsed.pid === 'number' && typeof parsed.token === 'string') holder = parsed as Holder;
    } catch {
      // a half-written or foreign file: judged by its age alone
    }
    return { holder, ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Why a lock is abandoned, or undefined while its holder may still be working. On this host a pid
 * can be checked; our own pid not holding it here means a previous life of this container (pid 1
 * again after a restart) left it.
 */
function abandonment(holder: Holder | undefined, ageMs: number, timing: LockTiming): string | undefined {
  if (ageMs > timing.staleMs) return `untouched for ${Math.round(ageMs / 1000)} s`;
  if (holder?.host !== hostname()) return undefined;
  if (holder.pid === process.pid) return heldHere.has(holder.token) ? undefined : 'left by an earlier process with this pid';
  return isAlive(holder.pid) ? undefined : `process ${holder.pid} is gone`;
}

/**
 * Removes an abandoned lock, unless another waiter got there first and took the lock anew: the file
 * is moved aside, and put back when it turns out to be someone else's fresh lock.
 */
async function takeOver(lockFile: string, stale: Holder | undefined): Promise<void> {
  const aside = `${lockFile}.${randomUUID()}`;
  try {
    await rename(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readHolder(aside);
  if (moved?.holder && moved.holder.token !== stale?.token) await rename(aside, lockFile);
  else await rm(aside, { force: true });
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
  const mine: Holder = { host: hostname(), pid: process.pid, token: randomUUID() };
  let announced = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      heldHere.add(mine.token);
      await handle.writeFile(JSON.stringify(mine));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = await readHolder(lockFile);
    if (!found) continue;
    const reason = abandonment(found.holder, found.ageMs, timing);
    if (reason) {
      log(`taking over ${lockFile}: ${reason}`);
      await takeOver(lockFile, found.holder);
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
    heldHere.delete(mine.token);
    await rm(lockFile, { force: true });
  }
}
