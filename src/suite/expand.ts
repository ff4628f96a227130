// From a validated suite file to its complete cells: each cell is `defaults`, overridden by the cell's own fields
// (a field is replaced whole, a policy included), crossed with every combination of the matrix values.
import type { Policy } from '../schedules/index.ts';
import { CELL_DEFAULTS, nameSchema, suiteProblem, type CellSpec, type SuiteFile } from './suite-file.ts';

type CellValues = Partial<Omit<CellSpec, 'id'>>;
type RequiredField = 'network' | 'dataset' | 'policy' | 'epochs' | 'batchSize' | 'seed' | 'weightDecay';

/** One combination of matrix values, and the id suffix naming the values of the fields that vary. */
interface MatrixPoint {
  values: CellValues;
  suffix: string[];
}

/**
 * The cells of `suite` in file order, each expanded over the matrix in the order its fields and values are
 * written, e.g. `one-cycle.seed-1`, `one-cycle.seed-2`. A matrix field listing one value does not vary, so it
 * sets the field without suffixing the id.
 */
export function expandCells(suite: SuiteFile, file: string): CellSpec[] {
  const matrix = (Object.entries(suite.matrix ?? {}) as [keyof CellValues, unknown[] | undefined][]).filter(
    (entry): entry is [keyof CellValues, unknown[]] => entry[1] !== undefined,
  );
  for (const [field] of matrix) {
    const clash = (path: PropertyKey[]) => suiteProblem(file, path, `also varied by matrix.${field}; set it in one place`);
    if (suite.defaults?.[field] !== undefined) throw clash(['defaults', field]);
    const index = suite.cells.findIndex((cell) => cell[field] !== undefined);
    if (index >= 0) throw clash(['cells', index, field]);
  }
  const points = matrixPoints(matrix);

  const firstWithId = new Map<string, number>();
  return suite.cells.flatMap(({ id: writtenId, ...written }, index) =>
    points.map((point) => {
      const id = [writtenId, ...point.suffix].join('.');
      const idCheck = nameSchema.safeParse(id);
      if (!idCheck.success) throw suiteProblem(file, ['cells', index, 'id'], `expanded id ${JSON.stringify(id)} ${idCheck.error.issues[0]!.message}`);
      const first = firstWithId.get(id);
      if (first === index) {
        const message = `the matrix gives two cells the id ${JSON.stringify(id)} (two values named alike, e.g. policies of one name: write them as cells)`;
        throw suiteProblem(file, ['cells', index, 'id'], message);
      }
      if (first !== undefined) throw suiteProblem(file, ['cells', index, 'id'], `duplicate id ${JSON.stringify(id)} (also cells[${first}])`);
      firstWithId.set(id, index);
      return completeCell(id, { ...suite.defaults, ...written, ...point.values }, (field) =>
        suiteProblem(file, ['cells', index, field], 'required (set it in the cell, in defaults or in matrix)'),
      );
    }),
  );
}

function matrixPoints(matrix: [keyof CellValues, unknown[]][]): MatrixPoint[] {
  let points: MatrixPoint[] = [{ values: {}, suffix: [] }];
  for (const [field, values] of matrix) {
    points = points.flatMap((point) =>
      values.map((value) => ({
        values: { ...point.values, [field]: value },
        suffix: values.length > 1 ? [...point.suffix, `${kebabCase(field)}-${valueLabel(value)}`] : point.suffix,
      })),
    );
  }
  return points;
}

const kebabCase = (field: string) => field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** A policy is labelled by its name alone, so two policies of one name in a matrix collide (reported as such). */
const valueLabel = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Policy).name : String(value));

function completeCell(id: string, merged: CellValues, missing: (field: RequiredField) => Error): CellSpec {
  const need = <F extends RequiredField>(field: F): CellSpec[F] => {
    const value = merged[field];
    if (value === undefined) throw missing(field);
    return value as CellSpec[F];
  };
  const cell: CellSpec = {
    id,
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
  return cell;
}
