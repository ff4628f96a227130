import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 500;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `task` holding a lock file, so that parallel scbench processes (a suite's cells) never
 * download into the same partial file or write the same cache at once. The file holds the holder's
 * pid; a lock whose holder is no longer running is taken over.
 */
export async function withLock<T>(lockFile: string, log: (line: string) => void, task: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockFile), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(lockFile, 'utf8').catch(() => ''));
    if (holder > 0 && !isAlive(holder)) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (!announced) log(`waiting for process ${holder || '?'}, which holds ${lockFile}`);
    announced = true;
    await sleep(POLL_MS);
  }
  try {
    return await task();
  } finally {
    await rm(lockFile, { force: true });
  }
}
