import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { namingFile, writeFileAtomic } from '../fsutil.ts';
import { count } from '../json/numbers.ts';
import { formatJsonPath } from '../json/path.ts';
import { METRIC_COLUMNS, type EpochMetrics } from './metrics.ts';

/**
 * The state of a cell after a finished epoch: every tensor (weights, batch-norm statistics, optimizer
 * velocities) and the metrics history. One file, written atomically, so a run killed at any moment
 * leaves either the previous checkpoint or this one, never a mix.
 *
 * Layout: 4-byte little-endian header length, JSON header, float32 data of the tensors in header order.
 */
export interface CheckpointHeader {
  format: 'scbench-checkpoint-1';
  history: EpochMetrics[];
  tensors: { name: string; shape: number[] }[];
}

const headerSchema = z.object({
  format: z.literal('scbench-checkpoint-1', { error: (issue) => `unknown checkpoint format ${JSON.stringify(issue.input)}` }),
  // JSON writes a non-finite number as null.
  history: z.array(z.object(Object.fromEntries(METRIC_COLUMNS.map((column) => [column, z.number().nullable()])))),
  tensors: z.array(z.object({ name: z.string(), shape: z.array(count) })),
});

/** Spaces after the header, so that the float32 data starts at a multiple of 4 bytes. */
const paddingAfter = (headerLength: number) => (4 - ((4 + headerLength) % 4)) % 4;

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

export async function saveCheckpoint(file: string, variables: readonly NamedVariable[], history: readonly EpochMetrics[]): Promise<void> {
  const header: CheckpointHeader = {
    format: 'scbench-checkpoint-1',
    history: [...history],
    tensors: variables.map(({ name, variable }) => ({ name, shape: variable.shape })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  const padding = Buffer.alloc(paddingAfter(headerBytes.length), 0x20);
  const data = await Promise.all(variables.map(async ({ variable }) => Buffer.from((await variable.data() as Float32Array).buffer)));
  await writeFileAtomic(file, Buffer.concat([length, headerBytes, padding, ...data]));
}

/** Restores the variables from a checkpoint and returns its history; throws naming the file when it does not fit. */
export async function loadCheckpoint(file: string, variables: readonly NamedVariable[]): Promise<EpochMetrics[]> {
  const bytes = await readFile(file).catch((error: unknown) => {
    throw namingFile(file, 'read', error);
  });
  const { header, dataOffset } = readHeader(bytes, file);
  if (header.tensors.length !== variables.length) {
    throw new Error(`${file}: holds ${header.tensors.length} tensors, the network has ${variables.length}`);
  }
  let offset = dataOffset;
  header.tensors.forEach((saved, i) => {
    const { name, variable } = variables[i];
    if (saved.name !== name || saved.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(`${file}: tensor ${i} is ${saved.name} [${saved.shape}], expected ${name} [${variable.shape}]`);
    }
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + variable.size * 4));
    if (values.length !== variable.size) throw new Error(`${file}: truncated at tensor ${name}`);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
    offset += variable.size * 4;
  });
  if (offset !== bytes.length) throw new Error(`${file}: ${bytes.length - offset} unexpected trailing bytes`);
  return header.history;
}

/** The header, checked, and where the tensors' data starts (after the padding to 4 bytes). */
function readHeader(bytes: Buffer, file: string): { header: CheckpointHeader; dataOffset: number } {
  const headerLength = bytes.length >= 4 ? bytes.readUInt32LE(0) : Infinity;
  if (4 + headerLength > bytes.length) throw new Error(`${file}: truncated in its header`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.subarray(4, 4 + headerLength).toString());
  } catch (error) {
    throw new Error(`${file}: header is not JSON (${(error as Error).message})`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${formatJsonPath(issue.path) || 'header'}: ${issue.message}`);
  }
  return { header: json as CheckpointHeader, dataOffset: 4 + headerLength + paddingAfter(headerLength) };
}
