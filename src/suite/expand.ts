// From a validated suite file to its complete cells. The written cells are the rows crossed with their rules
// (rows.ts), then the `cells` as written; each is `defaults`, overridden by its own fields (a field is replaced
// whole, a policy included), crossed with every combination of the matrix values.
import { predicateCells } from './claims.ts';
import type { Policy } from '../schedules/index.ts';
import { derivePolicy, ROW_CELL_FIELDS, validatePolicy, type Row } from './rows.ts';
import { CELL_DEFAULTS, nameSchema, suiteProblem, type CellSpec, type Rule, type SuiteCell, type SuiteFile } from './suite-file.ts';

type CellValues = Partial<Omit<CellSpec, 'id' | 'onLossSpike' | 'nesterov'>> & { onLossSpike?: 'stop' | 'train-on'; nesterov?: boolean };
type RequiredField = 'network' | 'dataset' | 'policy' | 'epochs' | 'batchSize' | 'seed' | 'weightDecay';

/** A cell as the file declares it, before defaults and the matrix; `path` is where it is written. */
interface WrittenCell {
  id: string;
  values: CellValues;
  path: PropertyKey[];
}

/** One combination of matrix values, and the id suffix naming the values of the fields that vary, in matrix order. */
interface MatrixPoint {
  values: CellValues;
  suffix: { field: keyof CellValues; label: string }[];
}

/** `id` followed by the labels of `suffix`: `one-cycle.seed-2`. */
const suffixed = (id: string, suffix: MatrixPoint['suffix']) => [id, ...suffix.map((part) => part.label)].join('.');

/**
 * The cells of `suite`: rows first, then cells, in file order, each expanded over the matrix, its fields in the order
 * of a cell's fields (the schema's: `seed` before `weightDecay`, however the file orders them) and each field's values
 * as written, e.g. `one-cycle.seed-1`, `one-cycle.seed-2`, both of base id `one-cycle`. A matrix
 * field listing one value does not vary, so it sets the field without suffixing the id. Also checks that every
 * claim names a written cell.
 */
export function expandCells(suite: SuiteFile, file: string): SuiteCell[] {
  const written = writtenCells(suite, file);
  const matrix = (Object.entries(suite.matrix ?? {}) as [keyof CellValues, unknown[] | undefined][]).filter(
    (entry): entry is [keyof CellValues, unknown[]] => entry[1] !== undefined,
  );
  for (const [field] of matrix) {
    const clash = (path: PropertyKey[]) => suiteProblem(file, path, `also varied by matrix.${field}; set it in one place`);
    if ((suite.defaults as CellValues | undefined)?.[field] !== undefined) throw clash(['defaults', field]);
    const cell = written.find((c) => c.values[field] !== undefined);
    if (cell) throw clash(fieldPath(cell, field));
  }
  const points = matrixPoints(matrix);
  checkClaimReferences(suite, written, file);

  const firstWithId = new Map<string, PropertyKey[]>();
  const cells = written.flatMap(({ id: writtenId, values, path }) =>
    points.map((point) => {
      const id = suffixed(writtenId, point.suffix);
      const where = path[0] === 'cells' ? [...path, 'id'] : path;
      const idCheck = nameSchema.safeParse(id);
      if (!idCheck.success) throw suiteProblem(file, where, `expanded id ${JSON.stringify(id)} ${idCheck.error.issues[0]!.message}`);
      const first = firstWithId.get(id);
      if (first === path) {
        const message = `the matrix gives two cells the id ${JSON.stringify(id)} (two values named alike, e.g. policies of one name: write them as cells)`;
        throw suiteProblem(file, where, message);
      }
      if (first !== undefined) throw suiteProblem(file, where, `duplicate id ${JSON.stringify(id)} (also ${pathText(first)})`);
      firstWithId.set(id, path);
      const merged: CellValues = { ...suite.defaults, ...values, ...point.values };
      // The cell to start from is the one of the same matrix point.
      if (values.initFrom !== undefined) merged.initFrom = suffixed(values.initFrom, point.suffix);
      const baseId = suffixed(writtenId, point.suffix.filter((part) => part.field !== 'seed'));
      return completeCell(id, baseId, merged, (field) =>
        path[0] === 'rows'
          ? suiteProblem(file, path, `${field}: required (set it in defaults or in matrix)`)
          : suiteProblem(file, [...path, field], 'required (set it in the cell, in defaults or in matrix)'),
      );
    }),
  );
  checkInitFrom(cells, written, points.length, file);
  return cells;
}

function writtenCells(suite: SuiteFile, file: string): WrittenCell[] {
  if (suite.rows === undefined && suite.cells === undefined) throw suiteProblem(file, [], 'must declare "rows" (with "rules") or "cells"');
  const fromRows = (suite.rows ?? []).flatMap((row, index) => rowCells(row, index, suite.rules, file));
  const fromCells = (suite.cells ?? []).map(({ id, ...values }, index) => ({ id, values: values as CellValues, path: ['cells', index] }));
  return [...fromRows, ...fromCells];
}

/** `<row id>.<rule>` for each rule of the row, its policy derived from the row's lr. */
function rowCells(row: Row, index: number, rules: Record<string, Rule> | undefined, file: string): WrittenCell[] {
  if (rules === undefined) throw suiteProblem(file, ['rows'], 'needs "rules": how each policy derives from a row');
  const known = Object.keys(rules);
  row.rules?.forEach((name, i) => {
    if (!known.includes(name)) throw suiteProblem(file, ['rows', index, 'rules', i], `unknown rule ${JSON.stringify(name)} (rules: ${known.join(', ')})`);
  });
  const names = row.rules ?? known;
  for (const name of Object.keys(row.epochsByRule ?? {})) {
    if (!names.includes(name)) throw suiteProblem(file, ['rows', index, 'epochsByRule', name], `not a rule of this row (${names.join(', ')})`);
  }
  const rowId = row.id ?? `${row.network}.${row.dataset}`;
  return names.map((name) => {
    const derived = validatePolicy(derivePolicy(rules[name]!, row));
    if ('problem' in derived) throw suiteProblem(file, ['rows', index], `rule ${JSON.stringify(name)} derives an invalid policy: ${derived.problem}`);
    const values: CellValues = {
      network: row.network,
      dataset: row.dataset,
      policy: derived.policy,
      weightDecay: row.weightDecay,
      batchSize: row.batchSize,
      epochs: row.epochsByRule?.[name] ?? row.epochs,
      description: `${row.claim}: ${row.why}`,
    };
    if (row.momentum !== undefined) values.momentum = row.momentum;
    return { id: `${rowId}.${name}`, values, path: ['rows', index] };
  });
}

/** Claims name cells by their written ids (a matrix over seeds gives each several runs, read together). */
function checkClaimReferences(suite: SuiteFile, written: readonly WrittenCell[], file: string): void {
  const ids = written.map((cell) => cell.id);
  suite.claims?.forEach((claim, c) =>
    claim.all.forEach((predicate, p) => {
      for (const { cell, path } of predicateCells(predicate)) {
        if (!ids.includes(cell)) throw suiteProblem(file, ['claims', c, 'all', p, ...path], `unknown cell ${JSON.stringify(cell)} (cells: ${ids.join(', ')})`);
      }
    }),
  );
}

/** The cell to start from must be an earlier cell of the suite (the runner trains it first) on the same network and data. */
function checkInitFrom(cells: readonly SuiteCell[], written: readonly WrittenCell[], pointsPerCell: number, file: string): void {
  cells.forEach((cell, index) => {
    if (cell.initFrom === undefined) return;
    const path = [...written[Math.floor(index / pointsPerCell)]!.path, 'initFrom'];
    const source = cells.findIndex((other) => other.id === cell.initFrom);
    if (source < 0 || source >= index) throw suiteProblem(file, path, `must name an earlier cell of the suite, not ${JSON.stringify(cell.initFrom)}`);
    const from = cells[source]!;
    if (from.network !== cell.network || from.dataset !== cell.dataset) {
      throw suiteProblem(file, path, `${from.id} trains ${from.network} on ${from.dataset}, this cell ${cell.network} on ${cell.dataset}: the weights do not carry over`);
    }
  });
}

function matrixPoints(matrix: [keyof CellValues, unknown[]][]): MatrixPoint[] {
  let points: MatrixPoint[] = [{ values: {}, suffix: [] }];
  for (const [field, values] of matrix) {
    points = points.flatMap((point) =>
      values.map((value) => ({
        values: { ...point.values, [field]: value },
        suffix: values.length > 1 ? [...point.suffix, { field, label: `${kebabCase(field)}-${valueLabel(value)}` }] : point.suffix,
      })),
    );
  }
  return points;
}

const kebabCase = (field: string) => field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Where a written cell's field is written: in the cell, or in its row (a row's policy comes from its `rules`). */
function fieldPath(cell: WrittenCell, field: string): PropertyKey[] {
  if (cell.path[0] === 'cells' || (ROW_CELL_FIELDS as readonly string[]).includes(field)) return [...cell.path, field];
  return [...cell.path, field === 'policy' ? 'rules' : 'why'];
}

/** `cells[3]`, `rows[0]`. */
const pathText = (path: readonly PropertyKey[]) => `${String(path[0])}[${String(path[1])}]`;

/** A policy is labelled by its name alone, so two policies of one name in a matrix collide (reported as such). */
const valueLabel = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Policy).name : String(value));

function completeCell(id: string, baseId: string, merged: CellValues, missing: (field: RequiredField) => Error): SuiteCell {
  const need = <F extends RequiredField>(field: F): CellSpec[F] => {
    const value = merged[field];
    if (value === undefined) throw missing(field);
    return value as CellSpec[F];
  };
  const cell: SuiteCell = {
    id,
    baseId,
    network: need('network'),
    dataset: need('dataset'),
    policy: need('policy'),
    momentum: merged.momentum ?? CELL_DEFAULTS.momentum,
    epochs: need('epochs'),
    batchSize: need('batchSize'),
    seed: need('seed'),
    weightDecay: need('weightDecay'),
    augment: merged.augment ?? CELL_DEFAULTS.augment,
    divergenceFactor: merged.divergenceFactor ?? CELL_DEFAULTS.divergenceFactor,
  };
  // Left out rather than undefined: a cell compares equal to its JSON round trip (the runner's run.json).
  if (merged.description !== undefined) cell.description = merged.description;
  if (merged.initFrom !== undefined) cell.initFrom = merged.initFrom;
  // Defaults left out too, so results of cells written before these fields existed still match.
  if (merged.onLossSpike === 'train-on') cell.onLossSpike = 'train-on';
  if (merged.nesterov === true) cell.nesterov = true;
  return cell;
}
