// The schema of a suite file as written: cell fields may be spread over `defaults`, each cell and `matrix`,
// so every field is validated where it is written and its error carries that place's JSON path.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { policySchema, type Policy } from '../schedules/index.ts';
import { claimSchema, type Claim } from './claims.ts';
import { BUILT_IN_DATASETS, datasetDescriptor } from '../data/datasets.ts';
import { problemText, validated } from '../json/problems.ts';
import { integer, momentum, oneOf, optionalFields, positive, weightDecay } from './fields.ts';
import { strictObject } from '../json/strict-object.ts';

/** The configuration of one training run, complete (defaults merged in, the matrix expanded), as run.json records it. */
export interface CellSpec {
  /** Unique within the suite; the name of the cell's results directory. */
  id: string;
  network: string;
  dataset: string;
  policy: Policy;
  /** SGD momentum on the iterations whose policy leaves the momentum alone. */
  momentum: number;
  epochs: number;
  batchSize: number;
  seed: number;
  /** L2 coefficient on conv/dense kernels. */
  weightDecay: number;
  augment: boolean;
  /** A batch loss above this factor times ln(classes) is a loss spike (see src/train/callbacks.ts). */
  divergenceFactor: number;
  /**
   * At a loss spike the cell stops as diverged (left out: the default), or, with "train-on", trains on as Keras
   * would and records the spike; a non-finite loss always ends it, diverged for good.
   */
  onLossSpike?: 'train-on';
  /** Nesterov momentum (Keras SGD(nesterov=True)); left out: plain momentum. */
  nesterov?: true;
  /** Why this cell exists, which claim it serves. */
  description?: string;
  /**
   * Id of the cell of the same suite (and matrix point) whose final weights this cell starts from instead of a fresh
   * initialisation, like a second `fit` call on the same Keras model (keras-one-cycle's two one-cycle passes).
   */
  initFrom?: string;
}

/** A cell of a loaded suite: the configuration its run records, and which cell of the file it is a seed of. */
export interface SuiteCell extends CellSpec {
  /**
   * The id without the suffix of a matrix over seeds: `one-cycle` for `one-cycle.seed-2`, the id itself when the
   * seed does not vary. The runs of one cell over seeds share it; claims name cells by it, the report labels them so.
   */
  baseId: string;
}

/** A run's configuration alone, as run.json records it: a suite's cell without its base id, which a run has no use for. */
export type RunConfiguration = CellSpec & { baseId?: never };

export function runConfiguration({ baseId: _baseId, ...configuration }: SuiteCell): RunConfiguration {
  return configuration;
}

export interface Suite {
  name: string;
  description: string;
  /** The file the suite was read from. */
  file: string;
  cells: SuiteCell[];
  /** The claims the suite's results are checked against (see src/claims/). */
  claims?: Claim[];
  /** Where the suite knowingly does otherwise than its sources, each naming the source. */
  departures?: Departure[];
}

/** A declared difference between a suite and the source it reproduces. */
export interface Departure {
  /** The file, section or line of the source, e.g. "lnsmith54/super-convergence solver.prototxt". */
  source: string;
  difference: string;
  why: string;
}

export interface KnownNames {
  networks: readonly string[];
  datasets: readonly string[];
}

/** Values of the cell fields that no suite has to set; 0.9 is the momentum of every row of the paper. */
export const CELL_DEFAULTS = { momentum: 0.9, augment: true, divergenceFactor: 4 } as const;

/** The JSON Schema an editor checks the file against (benchmarks/suite.schema.json); scbench itself ignores it. */
export const schemaReference = z.string().optional();

/** A cell id or suite name: a plain directory name. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, 'must match [a-z0-9][a-z0-9._-]* (it names a directory)')
  .refine((name) => !name.includes('..'), 'must not contain ".." (it names a directory)');

/** The fields of a cell that defaults and the matrix may set (all but id and description), one schema each. */
function sharedFieldSchemas(known: KnownNames) {
  return {
    network: oneOf('network', known.networks),
    dataset: oneOf('dataset', known.datasets),
    policy: policySchema,
    momentum,
    epochs: integer(1),
    batchSize: integer(1),
    seed: integer(0),
    weightDecay,
    augment: z.boolean(),
    divergenceFactor: z.number().gt(1, 'must be > 1'),
    onLossSpike: z.enum(['stop', 'train-on'], { error: 'must be "stop" or "train-on"' }),
    nesterov: z.boolean(),
  };
}

/** A training suite file as written. */
export function suiteFileSchema(known: KnownNames) {
  const shared = sharedFieldSchemas(known);
  const optional = optionalFields;
  const lists = <T extends Record<string, z.ZodType>>(fields: T) =>
    Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, z.array(schema).min(1, 'must list at least one value').optional()])) as {
      [K in keyof T]: z.ZodOptional<z.ZodArray<T[K]>>;
    };
  return strictObject({
    $schema: schemaReference,
    name: nameSchema,
    description: z.string().min(1, 'must not be empty'),
    defaults: strictObject({ ...optional(shared), description: z.string().optional() }).optional(),
    rules: z.record(nameSchema, ruleSchema).optional(),
    rows: z.array(rowSchema(shared)).min(1, 'must list at least one row').optional(),
    cells: z
      .array(strictObject({ id: nameSchema, ...optional(shared), description: z.string().optional(), initFrom: nameSchema.optional() }))
      .min(1, 'must list at least one cell')
      .optional(),
    matrix: strictObject(lists(shared)).optional(),
    claims: z.array(claimSchema).optional(),
    departures: z
      .array(strictObject({ source: z.string().min(1, 'must name the source'), difference: z.string().min(1, 'must say what differs'), why: z.string().min(1, 'must say why') }))
      .optional(),
  });
}

const fraction = z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]');

/** How a policy derives from a row of Table 1 (rows.ts applies it). */
const ruleSchema = z.discriminatedUnion(
  'policy',
  [
    /** lr = the row's lr; momentum = the cell's. */
    strictObject({ policy: z.literal('constant') }),
    /** Smith 2017 triangular: baseLr = lr x baseFraction (the paper allows 1/3 or 1/4), maxLr = lr, step size in epochs. */
    strictObject({ policy: z.literal('cyclical'), baseFraction: fraction.default(0.25), stepSizeEpochs: positive.default(4) }),
    /** keras-one-cycle OneCycleLR: maxLr = lr x maxLrFactor, so with endPercentage 0.1 (also its lr scale) the cycle starts at the row's lr. */
    strictObject({
      policy: z.literal('one-cycle'),
      maxLrFactor: positive.default(10),
      endPercentage: z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.1),
      maxMomentum: momentum.default(0.9),
      minMomentum: momentum.default(0.85),
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'must be one of constant, cyclical, one-cycle' : undefined) },
);

export type Rule = z.output<typeof ruleSchema>;

/** A row of Table 1 (see rows.ts): the cell fields it fixes, its constant lr, and the claim its budget serves. */
function rowSchema(shared: ReturnType<typeof sharedFieldSchemas>) {
  return strictObject({
    id: nameSchema.optional(),
    network: shared.network,
    dataset: shared.dataset.refine((name) => datasetDescriptor(name) !== undefined, {
      message: `has no descriptor to count its epochs by (built-in: ${Object.keys(BUILT_IN_DATASETS).join(', ')}; or an image folder added with scbench data add)`,
      abort: true,
    }),
    lr: z.number().gt(0, 'must be > 0'),
    weightDecay: shared.weightDecay,
    momentum: shared.momentum.optional(),
    batchSize: shared.batchSize,
    epochs: shared.epochs,
    /** Per rule name, an epoch budget other than `epochs` (claim 7: constant twice as long as one-cycle). */
    epochsByRule: z.record(z.string(), shared.epochs).optional(),
    /** The rules this row takes (default: all, in the order `rules` declares them). */
    rules: z.array(z.string()).min(1, 'must list at least one rule').optional(),
    /** The claim the row's budget and batch size serve, and why they are what they are (the cells' description). */
    claim: z.string().min(1, 'must name the claim the row serves'),
    why: z.string().min(1, 'must say why the budget and batch size are what they are'),
  });
}

export type SuiteFile = z.output<ReturnType<typeof suiteFileSchema>>;

/** The one-line error of a suite file: `<file>: <path>: <message>`. */
export function suiteProblem(file: string, path: readonly PropertyKey[], message: string): UserError {
  return new UserError(`${file}: ${problemText(path, message)}`);
}

/** Validates the parsed JSON of a suite file; every problem is listed in one UserError naming the file. */
export function validateSuiteFile(json: unknown, file: string, known: KnownNames): SuiteFile {
  return validated(suiteFileSchema(known), json, file);
}
