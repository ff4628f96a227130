import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidSpace, takeOver, withLock, type LockTiming } from './lock.ts';
import { makeTempDir } from './test-fixtures.ts';

const FAST: LockTiming = { pollMs: 10, heartbeatMs: 20, staleMs: 300 };
/** For the tests that must see a fresh lock waited for: staleMs longer than a loaded machine's stall before the first look. */
const WAITING: LockTiming = { ...FAST, staleMs: 1000 };
/**
 * For the tests of live holders: a process stalled longer than staleMs (a loaded machine, a collection) looks
 * abandoned, as the product's timing allows for; here no stall of a few seconds may.
 */
const PATIENT: LockTiming = { pollMs: 10, heartbeatMs: 20, staleMs: 5000 };

async function inTemp(body: (lockFile: string, dir: string) => Promise<void>): Promise<void> {
  const temp = await makeTempDir();
  try {
    await body(join(temp.path, 'data.lock'), temp.path);
  } finally {
    await temp.remove();
  }
}

/**
 * Takes the lock and records who ran when; resolves with the log lines. The time limit only catches a hang: whether
 * a lock was taken at once or after waiting, the lines say, on a loaded machine too.
 */
async function take(lockFile: string, timing = FAST): Promise<string[]> {
  const lines: string[] = [];
  const taken = withLock(lockFile, (line) => lines.push(line), async () => lines.push('ran'), timing);
  const timeout = sleep(20_000).then(() => 'timed out');
  assert.is(await Promise.race([taken.then(() => 'taken'), timeout]), 'taken', lines.join('\n'));
  return lines;
}

async function writeLock(lockFile: string, holder: object, ageMs = 0): Promise<void> {
  await writeFile(lockFile, JSON.stringify(holder));
  const when = new Date(Date.now() - ageMs);
  await utimes(lockFile, when, when);
}

test('a lock of a gone process on this host is taken over at once', async () => {
  await inTemp(async (lockFile, dir) => {
    const { spawnSync } = await import('node:child_process');
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeLock(lockFile, { host: hostname(), pidSpace: pidSpace(), pid: gone, token: 'old' });
    const lines = await take(lockFile);
    assert.equal(lines, [`took over ${lockFile}: process ${gone} is gone`, 'ran']);
    assert.equal(await readdir(dir), []);
  });
});

test('a lock with our own pid in our pid space that this process does not hold (an earlier process with this pid) is taken over', async () => {
  await inTemp(async (lockFile) => {
    await writeLock(lockFile, { host: hostname(), pidSpace: pidSpace(), pid: process.pid, token: 'previous-life' });
    const lines = await take(lockFile);
    assert.equal(lines, [`took over ${lockFile}: left by an earlier process with this pid`, 'ran']);
  });
});

test('a lock held on another host is waited for while fresh, and taken over once untouched for staleMs', async () => {
  await inTemp(async (lockFile) => {
    await writeLock(lockFile, { host: 'shard-2-pod', pidSpace: 'shard-2-pod boot pid:[1]', pid: 1, token: 'theirs' });
    const lines = await take(lockFile, WAITING);
    assert.is(lines[0], `waiting for process 1 on shard-2-pod, which holds ${lockFile}`);
    assert.match(lines[1], /^took over .*: untouched for \d+ s$/);
    assert.is(lines[2], 'ran');
  });
});

test('a lock from another pid space on this host (a container sharing its host name) is judged by age, not by pid', async () => {
  await inTemp(async (lockFile) => {
    await writeLock(lockFile, { host: hostname(), pidSpace: `${hostname()} another-boot pid:[7]`, pid: process.pid, token: 'theirs' });
    const lines = await take(lockFile, WAITING);
    assert.is(lines[0], `waiting for process ${process.pid}, which holds ${lockFile}`);
    assert.match(lines[1], /^took over .*: untouched for \d+ s$/);
  });
});

test('an unreadable lock file is judged by its age alone', async () => {
  await inTemp(async (lockFile) => {
    await writeFile(lockFile, 'garbage');
    const lines = await take(lockFile, WAITING);
    assert.equal([lines[0], lines.at(-1)], [`waiting for another process, which holds ${lockFile}`, 'ran']);
  });
});

test('the holder keeps its lock fresh: a task far longer than staleMs is never run twice at once', async () => {
  await inTemp(async (lockFile) => {
    let running = 0;
    let overlapped = false;
    const task = async () => {
      running += 1;
      overlapped ||= running > 1;
      await sleep(1500);
      running -= 1;
    };
    const lines: string[] = [];
    // staleMs 1000: far above a stalled heartbeat's lag, still well below the task.
    await Promise.all([0, 1, 2].map(() => withLock(lockFile, (line) => lines.push(line), task, { ...FAST, staleMs: 1000 })));
    assert.not.ok(overlapped);
    assert.not.ok(lines.some((line) => line.startsWith('took over')), lines.join('\n'));
  });
});

test('many waiters on one abandoned lock: one takes it at a time, and nothing is left behind', async () => {
  await inTemp(async (lockFile, dir) => {
    for (let round = 0; round < 20; round++) {
      await writeLock(lockFile, { host: 'gone-pod', pidSpace: 'gone-pod boot pid:[1]', pid: 1, token: `old-${round}` }, 60_000);
      let running = 0;
      let most = 0;
      const task = async () => {
        running += 1;
        most = Math.max(most, running);
        await sleep(5);
        running -= 1;
      };
      const lines: string[] = [];
      await Promise.all(Array.from({ length: 6 }, () => withLock(lockFile, (line) => lines.push(line), task, PATIENT)));
      assert.is(most, 1, `round ${round}: ${most} holders at once`);
      assert.is(lines.filter((line) => line.startsWith('took over')).length, 1, `round ${round}: ${lines.join('\n')}`);
      assert.equal(await readdir(dir), [], `round ${round}`);
    }
  });
});

test('a waiter that judged a lock abandoned leaves alone the lock that replaced it, and one touched since', async () => {
  await inTemp(async (lockFile) => {
    const fresh = { host: 'pod-3', pidSpace: 'pod-3 boot pid:[1]', pid: 1, token: 'new' };
    await writeLock(lockFile, fresh);
    const before = await stat(lockFile, { bigint: true });
    const judgedEarlier = (token: string) => ({ holder: { ...fresh, token }, identity: token, ageMs: 60_000 });
    assert.is(await takeOver(lockFile, judgedEarlier('old'), FAST, pidSpace()), false);
    assert.is(await takeOver(lockFile, judgedEarlier('new'), FAST, pidSpace()), false);
    const after = await stat(lockFile, { bigint: true });
    // Not even moved aside and back (a rename changes ctime): while moved, another process could have taken the lock.
    assert.equal([after.ino, after.ctimeNs], [before.ino, before.ctimeNs]);
  });
});

test.run();
