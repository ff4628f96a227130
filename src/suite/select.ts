// Which cells of a suite a run takes: `--cells GLOB` and `--shard i/n`.
import { UserError } from '../errors.ts';
import { assignShards } from './shards.ts';
import type { CellSpec } from './suite-file.ts';

export interface CellSelection {
  /** Comma-separated id patterns; `*` matches any run of characters, `?` one character. */
  glob?: string;
  /** "i/n", 1-based: the i-th of n disjoint parts, balanced by expected cost, that together make the (glob-selected) cells. */
  shard?: string;
}

/** The selected cells, in suite order: the glob first, then the shard of what the glob kept. */
export function selectCells<Cell extends CellSpec>(cells: readonly Cell[], selection: CellSelection): Cell[] {
  let selected = [...cells];
  if (selection.glob !== undefined) {
    const matches = globMatcher(selection.glob);
    selected = selected.filter((cell) => matches(cell.id));
    if (selected.length === 0) {
      throw new UserError(`--cells ${JSON.stringify(selection.glob)}: matches no cell (cells: ${cells.map((cell) => cell.id).join(', ')})`);
    }
  }
  if (selection.shard !== undefined) {
    const { index, count } = parseShard(selection.shard);
    const shardOf = assignShards(selected, count);
    selected = selected.filter((cell) => shardOf.get(cell.id) === index - 1);
  }
  return selected;
}

/** A predicate for `pattern`: comma-separated alternatives, each matching a whole id. */
export function globMatcher(pattern: string): (id: string) => boolean {
  const alternatives = pattern.split(',').map((glob) => {
    const source = [...glob.trim()]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`);
  });
  return (id) => alternatives.some((regex) => regex.test(id));
}

/** Parses "i/n" with 1 <= i <= n. */
export function parseShard(shard: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(shard.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UserError(`--shard ${JSON.stringify(shard)}: must be i/n with 1 <= i <= n, e.g. 2/4`);
  }
  return { index, count };
}
