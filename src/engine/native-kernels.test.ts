import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NATIVE_KERNELS_PATH } from './native-kernels.ts';

const buildScript = fileURLToPath(new URL('../../scripts/build-wasm-kernels.sh', import.meta.url));
// The committed build is clang 14's (Debian bookworm); another version emits other, equally valid, bytes.
const hasCompiler = ['clang-14', 'wasm-ld-14'].every((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);

test('the committed kernels.wasm imports only the backend\'s memory and exports the kernels', async () => {
  const module = new WebAssembly.Module(await readFile(NATIVE_KERNELS_PATH));
  assert.equal(WebAssembly.Module.imports(module), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  assert.equal(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name).sort(),
    ['column_sums', 'copy_rows', 'max_pool_grad', 'transpose_planes']);
});

test('kernels.wasm is exactly what scripts/build-wasm-kernels.sh builds from kernels.c', async () => {
  if (!hasCompiler) {
    console.log('  skipped: clang-14 and wasm-ld-14 are not installed (Debian: apt-get install clang-14 lld-14)');
    return;
  }
  const out = join(await mkdtemp(join(tmpdir(), 'kernels-')), 'kernels.wasm');
  const build = spawnSync(buildScript, [out], { encoding: 'utf8', env: { ...process.env, CLANG: 'clang-14' } });
  assert.is(build.status, 0, build.stderr);
  assert.ok(Buffer.compare(await readFile(out), await readFile(NATIVE_KERNELS_PATH)) === 0,
    'src/engine/native/kernels.wasm differs from a fresh build: run scripts/build-wasm-kernels.sh and commit it');
});

test.run();
