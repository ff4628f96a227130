import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import { UserError } from '../src/errors.ts';

/*
 * Archives are read as streams into memory, never extracted to disk, and their member paths are
 * never trusted: an absolute path or a '..' segment makes the whole archive refused.
 */

export function unsafeMemberError(archive: string, member: string): UserError {
  return new UserError(`archive ${basename(archive)} has an unsafe member path "${member}" (absolute or with ..): refusing the archive`);
}

export function missingMemberError(archive: string, member: string): UserError {
  return new UserError(`archive ${basename(archive)} lacks the expected member ${member}`);
}

export function corruptArchiveError(archive: string, cause: unknown): UserError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new UserError(`archive ${archive} is truncated or corrupt: ${reason}`);
}

/** A member path without a leading './', or an error if it could point outside the archive's root. */
function checkedMemberPath(archive: string, path: string): string {
  const segments = path.split(/[\\/]/);
  if (/^([\\/]|[A-Za-z]:)/.test(path) || segments.includes('..')) throw unsafeMemberError(archive, path);
  return path.replace(/^(\.\/)+/, '');
}

const REGULAR_FILE_TYPES: ReadonlySet<ReadEntry['type']> = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Streams a tar or tar.gz archive (gzip is detected) and returns the contents of the regular-file
 * members `wanted` accepts, keyed by their path. Every member's path is checked, wanted or not.
 */
export async function readTarMembers(archive: string, wanted: (path: string) => boolean): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  let refusal: UserError | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry(entry) {
      let path: string;
      try {
        path = checkedMemberPath(archive, entry.path);
      } catch (error) {
        refusal ??= error as UserError;
        parser.abort(refusal);
        return;
      }
      if (!REGULAR_FILE_TYPES.has(entry.type) || !wanted(path)) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => members.set(path, Buffer.concat(chunks)));
    },
  });
  try {
    await pipeline(createReadStream(archive), parser);
  } catch (error) {
    throw refusal ?? corruptArchiveError(archive, error);
  }
  if (refusal) throw refusal;
  return members;
}

/** A member read by readTarMembers, or a missing-member error. */
export function requireMember(archive: string, members: ReadonlyMap<string, Buffer>, path: string): Buffer {
  const data = members.get(path);
  if (!data) throw missingMemberError(archive, path);
  return data;
}

/** An open zip archive: its file members by path (directories left out), each read on demand. */
export interface ZipArchive {
  readonly path: string;
  readonly members: ReadonlyMap<string, yauzl.Entry>;
  read(member: string): Promise<Buffer>;
  close(): void;
}

/** Opens a zip and lists its members from the central directory; yauzl refuses unsafe paths itself. */
export async function openZip(archive: string): Promise<ZipArchive> {
  let zip: yauzl.ZipFile;
  const members = new Map<string, yauzl.Entry>();
  try {
    zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false });
  } catch (error) {
    throw corruptArchiveError(archive, error);
  }
  try {
    for await (const entry of zip.eachEntry()) {
      if (!entry.fileName.endsWith('/')) members.set(entry.fileName, entry);
    }
  } catch (error) {
    zip.close();
    const unsafe = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/.exec((error as Error).message);
    throw unsafe ? unsafeMemberError(archive, unsafe[2]) : corruptArchiveError(archive, error);
  }
  return {
    path: archive,
    members,
    async read(member) {
      const entry = members.get(member);
      if (!entry) throw missingMemberError(archive, member);
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      } catch (error) {
        throw corruptArchiveError(archive, error);
      }
    },
    close: () => zip.close(),
  };
}

/** The non-empty lines of a text member, trimmed. */
export function textLines(data: Buffer): string[] {
  return data
    .toString('utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
