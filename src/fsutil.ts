import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const TEMP_SUFFIX = '.tmp';

/**
 * Writes a file so that readers see the old content or the new, never a part: write a temp file in
 * the same directory, flush it to disk, rename it over the target. On failure (a full disk) the temp
 * file is removed and the old content stays.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}${TEMP_SUFFIX}`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeSynced(temp, 'w', data);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw namingFile(file, 'write', error);
  }
}

/**
 * The error of a read or write with the file in its message (Node's own, such as "ENOSPC: no space left on device,
 * write", names none); its code is kept.
 */
export function namingFile(file: string, action: 'read' | 'write', error: unknown): Error {
  const cause = error as NodeJS.ErrnoException;
  if (cause.message?.startsWith(`${file}:`)) return cause;
  const named: NodeJS.ErrnoException = new Error(`${file}: cannot ${action} it (${cause.message})`, { cause });
  if (cause.code !== undefined) named.code = cause.code;
  return named;
}

/**
 * Appends to a file and flushes it to disk before returning, so that what is written after it (a checkpoint)
 * never reaches the disk first.
 */
export async function appendFileSynced(file: string, data: string): Promise<void> {
  try {
    await writeSynced(file, 'a', data);
  } catch (error) {
    throw namingFile(file, 'write', error);
  }
}

/** Writes (flag 'w') or appends ('a') and flushes the file to disk. */
async function writeSynced(file: string, flag: 'w' | 'a', data: string | Uint8Array): Promise<void> {
  const handle = await open(file, flag);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes the temp files a killed writer left in a directory (none is ever read). */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.endsWith(TEMP_SUFFIX)) await rm(join(dir, name), { force: true });
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** A text file's content, undefined when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw namingFile(file, 'read', error);
  }
}
