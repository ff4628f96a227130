import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { join } from 'node:path';
// Each command imports what it needs when it runs: start-up stays short, whatever the command.
import { addDataset, describeDataset, fetchByName } from './data/registry.ts';
import type { BackendRequest } from './engine/backend.ts';
import { releaseEngines } from './engine/release.ts';
import { MAX_WASM_THREADS } from './engine/wasm-threads.ts';
import { UserError } from './errors.ts';
import { NETWORK_NAMES } from './nn/network.ts';
import { formatCellTable, formatDepartures, formatRangeTestTable, formatShardTable, openSuite, trainingSuite } from './suite/index.ts';

/** Where `run` trains into unless told: its report then goes to reports/<suite>/, beside it. */
const DEFAULT_RESULTS = 'results';
const stderr = (line: string) => process.stderr.write(`${line}\n`);

function positiveInteger(flag: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got "${value}"`);
    return Number(value);
  };
}

function nonNegativeInteger(flag: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be an integer >= 0, got "${value}"`);
    return Number(value);
  };
}

function positiveNumber(flag: string) {
  return (value: string) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`${flag} must be a number > 0, got "${value}"`);
    return number;
  };
}

function fraction(flag: string) {
  return (value: string) => {
    const number = Number(value);
    if (value.trim() === '' || !(number > 0 && number < 1)) throw new InvalidArgumentError(`${flag} must be a number between 0 and 1, got "${value}"`);
    return number;
  };
}

function heightByWidth(flag: string) {
  return (value: string): [number, number] => {
    const match = /^(\d+)x(\d+)$/.exec(value);
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw new InvalidArgumentError(`${flag} must be HEIGHTxWIDTH in pixels, such as 224x224, got "${value}"`);
    return [Number(match[1]), Number(match[2])];
  };
}

function nonNegativeNumber(flag: string) {
  return (value: string) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError(`${flag} must be a number >= 0, got "${value}"`);
    return number;
  };
}

const seedsOption = () =>
  new Option('--seeds <n>', 'run every cell on seeds 1..n (ids <cell>.seed-<i>; claims summarise the seeds); give the same n to run, list, claims and report').argParser(positiveInteger('--seeds'));

const threadsOption = (whose: string, fallback?: number) =>
  new Option('--threads <n>', `wasm: ${whose} computing threads (XNNPACK's pool, at most ${MAX_WASM_THREADS})`).argParser(threadCount).default(fallback);

function threadCount(value: string): number {
  const threads = positiveInteger('--threads')(value);
  if (threads > MAX_WASM_THREADS) throw new InvalidArgumentError(`--threads must be at most ${MAX_WASM_THREADS} (the wasm backend's largest pool), got ${threads}`);
  return threads;
}

const backendOption = () =>
  new Option('--backend <backend>', 'engine backend').choices(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto');

function program(): Command {
  const cli = new Command('scbench')
    .description('Reproducibility suite for super-convergence (constant, cyclical and one-cycle learning-rate policies)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  cli
    .command('run')
    .description('train the cells of a suite; finished cells are skipped and killed ones resumed')
    .option('--suite <name|file>', 'suite name in benchmarks/ or a suite file', 'quick')
    .addOption(backendOption())
    .option('--out <dir>', 'results directory', DEFAULT_RESULTS)
    .option('--report-out <dir>', 'the report folder (default: reports/<suite>/ beside the default results folder, else <out>/reports/<suite>/)')
    .option('--cells <glob>', 'only cells whose id matches (* and ?)')
    .option('--shard <i/n>', 'run the i-th of n deterministic shares of the cells')
    .option('--epochs <n>', 'override every cell\'s epoch budget (claims on such cells are not comparable)', positiveInteger('--epochs'))
    .addOption(seedsOption())
    .option('--jobs <n>', 'parallel worker processes (default: as many as cores and cells, for wasm and cpu; else 1)', positiveInteger('--jobs'))
    .addOption(threadsOption('each cell\'s (default: the cores shared among the cells left when it starts)'))
    .option('--no-report', 'do not write the report at the end')
    .option('--smoke', 'instead of training: two iterations per cell on random data of its real shapes, with a table of parameters, FLOPs, speed and memory')
    .option('--smoke-batch <n>', 'batch size of the smoke iterations', positiveInteger('--smoke-batch'), 2)
    .action(async (options) => {
      const suite = openSuite(options.suite, { seeds: options.seeds });
      if (options.smoke) {
        const { smokeCommand } = await import('./smoke/index.ts');
        console.log(await smokeCommand({ suite: trainingSuite(suite), backend: options.backend, smokeBatch: options.smokeBatch, cells: options.cells, log: stderr }));
        return;
      }
      const { reportCommand } = await import('./report/index.ts');
      const reportOut = options.reportOut ?? (options.out === DEFAULT_RESULTS ? undefined : join(options.out, 'reports', suite.suite.name));
      const writeReport = () => options.report && reportCommand({ results: [options.out], suite, out: reportOut, log: stderr });
      if (suite.kind === 'range-tests') {
        if (options.shard !== undefined) throw new UserError(`--shard: ${suite.suite.file} is a range-test suite, which runs whole; choose its tests with --cells`);
        const { runRangeTestSuite } = await import('./range-test/index.ts');
        console.log(await runRangeTestSuite({ suite: suite.suite, backend: options.backend, outDir: options.out, cells: options.cells, log: stderr }));
        await writeReport();
        return;
      }
      const { formatSummary, runSuite } = await import('./runner/run.ts');
      const summary = await runSuite({ ...options, suite: suite.suite, backend: options.backend as BackendRequest, outDir: options.out, log: stderr });
      console.log(formatSummary(summary));
      await writeReport();
      if (summary.failed > 0) throw new CellsFailed(summary.failed);
    });

  cli
    .command('find-lr')
    .description('learning-rate range test (and momentum / weight-decay sweeps) with suggested learning rates')
    .requiredOption('--network <name>', 'network')
    .requiredOption('--dataset <name>', 'data set')
    .option('--min <lr>', 'first learning rate', positiveNumber('--min'), 1e-5)
    .option('--max <lr>', 'last learning rate', positiveNumber('--max'), 10)
    .addOption(new Option('--scale <scale>', 'how the lr grows from min to max').choices(['exp', 'linear']).default('exp'))
    .option('--iterations <n>', 'steps of the test (default: one epoch)', positiveInteger('--iterations'))
    .option('--epochs <n>', 'epochs of the test, instead of --iterations', positiveInteger('--epochs'))
    .option('--momentum <m>', 'SGD momentum', nonNegativeNumber('--momentum'), 0.9)
    .option('--weight-decay <wd>', 'L2 weight decay on conv/dense kernels', nonNegativeNumber('--weight-decay'), 0)
    .option('--validation-samples <n>', 'also record the loss on this many test images every step', positiveInteger('--validation-samples'))
    .option('--sweep <parameter=values>', 'one test per value: momentum=0.85,0.9,0.95,0.99 or weight-decay=1e-3,1e-4,...')
    .option('--fine', 'after a weight-decay sweep, a fine sweep around its pick')
    .option('--batch-size <n>', 'batch size', positiveInteger('--batch-size'), 64)
    .option('--seed <n>', 'seed of the initial weights and data order', nonNegativeInteger('--seed'), 1)
    .option('--no-augment', 'train without the data set\'s augmentation')
    .option('--out <dir>', 'results folder (default results/find-lr/<network>.<dataset>[.<parameter>])')
    .addOption(backendOption())
    .action(async (options) => {
      const { findLrCommand } = await import('./range-test/index.ts');
      console.log(await findLrCommand({ ...options, backend: options.backend as BackendRequest, log: stderr }));
    });

  cli
    .command('claims')
    .description("the paper's claims of a suite, each reproduced / not reproduced / not run, with the numbers behind it")
    .option('--suite <name|file>', 'suite name in benchmarks/ or a suite file', 'quick')
    .option('--results <dir...>', 'results directories, several to merge shards', ['results'])
    .addOption(seedsOption())
    .action(async (options) => {
      const { claimsCommand } = await import('./claims/index.ts');
      console.log(await claimsCommand(options));
    });

  cli
    .command('report')
    .description('write the HTML and markdown report of a suite from results on disk')
    .option('--suite <name|file>', 'suite name in benchmarks/ or a suite file', 'quick')
    .option('--results <dir...>', 'results directories, several to merge shards', ['results'])
    .option('--out <dir>', 'output directory (default reports/<suite>/)')
    .addOption(seedsOption())
    .action(async (options) => {
      const { reportCommand } = await import('./report/index.ts');
      console.log(await reportCommand({ ...options, log: stderr }));
    });

  cli
    .command('merge')
    .description('combine the result folders of shards (run --shard i/n) into one, recording which shard produced each cell')
    .argument('<dirs...>', 'results folders, each laid out <suite>/<cell>/')
    .requiredOption('--out <dir>', 'the merged results folder (new or empty)')
    .action(async (dirs: string[], options) => {
      const { formatMerge, mergeResults } = await import('./merge/merge.ts');
      console.log(formatMerge(await mergeResults({ sources: dirs, out: options.out, log: stderr })));
    });

  cli
    .command('list')
    .description('print the cells of a suite')
    .option('--suite <name|file>', 'suite name in benchmarks/ or a suite file', 'quick')
    .option('--shards <n>', 'instead: which of n shards (run --shard i/n) each cell runs in, and the expected cost of each', positiveInteger('--shards'))
    .addOption(seedsOption())
    .action((options) => {
      const opened = openSuite(options.suite, { seeds: options.seeds });
      console.log(`${opened.suite.name}: ${opened.suite.description}\n`);
      if (opened.kind === 'range-tests') {
        if (options.shards !== undefined) throw new UserError(`--shards: ${opened.suite.file} is a range-test suite, which runs whole`);
        console.log(formatRangeTestTable(opened.suite.tests));
        return;
      }
      const { suite } = opened;
      console.log(options.shards === undefined ? formatCellTable(suite.cells) : formatShardTable(suite.cells, options.shards));
      const departures = formatDepartures(suite.departures);
      if (departures) console.log(`\n${departures}`);
    });

  cli
    .command('schema')
    .description('print the JSON Schema of suite files (benchmarks/suite.schema.json), for editors')
    .action(async () => {
      const { suiteJsonSchemaText } = await import('./suite/json-schema.ts');
      process.stdout.write(suiteJsonSchemaText());
    });

  cli
    .command('schedule')
    .description('print the lr (and momentum) a policy gives each iteration')
    .requiredOption('--policy <json>', 'policy as JSON, e.g. \'{"name":"one-cycle","maxLr":0.4}\'')
    .requiredOption('--iterations <n>', 'total iterations')
    .option('--format <format>', 'json (one object per line) or csv', 'json')
    .action(async (options) => {
      const { scheduleCommand } = await import('./schedules/index.ts');
      process.stdout.write(scheduleCommand(options));
    });

  cli
    .command('perf')
    .description('training throughput of a network on random data')
    .option('--network <name>', `network (${NETWORK_NAMES.join(', ')})`, 'simple')
    .option('--input <HxWxC>', 'input shape', '32x32x3')
    .option('--classes <n>', 'number of classes', positiveInteger('--classes'), 10)
    .option('--batch <n>', 'batch size', positiveInteger('--batch'), 128)
    .option('--warmup <n>', 'untimed iterations first', positiveInteger('--warmup'), 3)
    .option('--iterations <n>', 'timed iterations', positiveInteger('--iterations'), 10)
    .option('--profile', 'also print the time per kernel of one training step')
    .option('--jobs <n>', 'processes training at once, for the machine-wide images/s (totalImagesPerSecond)', positiveInteger('--jobs'))
    .addOption(threadsOption('each process\'s', 1))
    .option('--json', 'print the measurement as JSON')
    .addOption(backendOption())
    .action(async (options) => {
      const { formatMachineThroughput, formatThroughput, measureMachineThroughput, measureThroughput } = await import('./perf.ts');
      const { jobs, json, ...rest } = options;
      const throughputOptions = { ...rest, backend: options.backend as BackendRequest, log: stderr };
      if (jobs !== undefined) {
        if (options.profile) throw new UserError('--profile: profiles one process; leave out --jobs');
        const result = await measureMachineThroughput(throughputOptions, jobs);
        console.log(json ? JSON.stringify(result, null, 2) : formatMachineThroughput(result));
        return;
      }
      const result = await measureThroughput(throughputOptions);
      console.log(json ? JSON.stringify(result, null, 2) : formatThroughput(result));
    });

  cli
    .command('fetch')
    .description('download, verify, decode and cache data sets (cifar10, oxflower17, tinyimagenet)')
    .argument('<names...>', 'data sets')
    .option('--mirror <url>', 'replaces the scheme and host of the archive URLs (or $SCBENCH_MIRROR)')
    .option('--from <file>', 'an archive already on disk instead of downloading (one data set)')
    .option('--md5 <hex>', 'with --from: the md5 of a custom archive that is not the official one')
    .option('--cache-dir <dir>', 'cache root (or $SCBENCH_CACHE; default the user cache dir)')
    .action(async (names: string[], options) => {
      if (options.from && names.length > 1) throw new UserError('--from: takes the archive of one data set; name only one');
      for (const name of names) console.log(`${name}: cached in ${await fetchByName(name, { ...options, log: stderr })}`);
    });

  const data = cli.command('data').description('about the data sets');
  data
    .command('add')
    .description('decode an image folder (class folders, or train/ and test/ or val/ of class folders) into the cache as a data set suites can name')
    .argument('<name>', 'the name suites will use')
    .requiredOption('--from <path>', 'a folder, or a .tar, .tar.gz, .tgz or .zip archive of one')
    .option('--size <HxW>', 'stretch every image to this height x width (needed when the images differ in size)', heightByWidth('--size'))
    .option('--test-fraction <f>', 'for one level of class folders: the share of each class held out for testing (seeded, stratified)', fraction('--test-fraction'))
    .option('--skip-bad', 'leave out files that are not readable JPEG or PNG images, listing them in the manifest, instead of refusing the set')
    .option('--cache-dir <dir>', 'cache root (or $SCBENCH_CACHE; default the user cache dir)')
    .action(async (name: string, options) => {
      console.log(`${name}: cached in ${await addDataset(name, options.from, { ...options, log: stderr })}`);
    });
  data
    .command('info')
    .description('counts, shapes, class balance and cache location of a data set')
    .argument('<name>', 'data set')
    .option('--cache-dir <dir>', 'cache root (or $SCBENCH_CACHE; default the user cache dir)')
    .action(async (name: string, options) => {
      console.log(await describeDataset(name, options));
    });

  return cli;
}

class CellsFailed extends Error {
  constructor(count: number) {
    super(`${count} cell(s) did not finish`);
  }
}

/** Runs the CLI; returns the exit code. Errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UserError) {
      stderr(`scbench: ${error.message}`);
      return 2;
    }
    stderr(`scbench: ${(error as Error).message}`);
    if (process.env.SCBENCH_DEBUG) stderr((error as Error).stack ?? '');
    return 1;
  } finally {
    releaseEngines();
  }
}
