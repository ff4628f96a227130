// Range tests (section 4.2 of the paper): the lr range test, its suggestions, momentum and weight-decay sweeps,
// from the `scbench find-lr` flags or from range-test suite files.
export { findLrCommand, parseSweepFlag, type FindLrOptions } from './find-lr.ts';
export { runRangeTestSuite, type RangeTestSuiteOptions } from './suite-run.ts';
