import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NATIVE_KERNELS_PATHS } from './native-kernels.ts';

const buildScript = fileURLToPath(new URL('../../scripts/build-wasm-kernels.sh', import.meta.url));
// The committed build is clang 14's (Debian bookworm); another version emits other, equally valid, bytes.
const hasCompiler = ['clang-14', 'wasm-ld-14'].every((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);

test('the committed kernels.wasm and kernels-shared.wasm import only the backend\'s memory (shared for the second) and export the kernels', async () => {
  for (const [build, path] of Object.entries(NATIVE_KERNELS_PATHS)) {
    const module = new WebAssembly.Module(await readFile(path));
    assert.equal(WebAssembly.Module.imports(module), [{ module: 'env', name: 'memory', kind: 'memory' }]);
    assert.equal(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name).sort(),
      ['column_sums', 'copy_rows', 'max_pool_grad', 'transpose_planes']);
    // Each instantiates on its kind of memory only: the wasm backend's own, or the threaded build's (shared, at most 4 GiB).
    const shared = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
    const plain = new WebAssembly.Memory({ initial: 256 });
    for (const memory of [plain, shared]) {
      const fits = (memory === shared) === (build === 'shared');
      assert.is((() => { try { new WebAssembly.Instance(module, { env: { memory } }); return true; } catch { return false; } })(), fits, `${build} on ${memory === shared ? 'shared' : 'plain'} memory`);
    }
  }
});

test('kernels.wasm and kernels-shared.wasm are exactly what scripts/build-wasm-kernels.sh builds from kernels.c', async () => {
  if (!hasCompiler) {
    console.log('  skipped: clang-14 and wasm-ld-14 are not installed (Debian: apt-get install clang-14 lld-14)');
    return;
  }
  const out = await mkdtemp(join(tmpdir(), 'kernels-'));
  const build = spawnSync(buildScript, [out], { encoding: 'utf8', env: { ...process.env, CLANG: 'clang-14' } });
  assert.is(build.status, 0, build.stderr);
  for (const path of Object.values(NATIVE_KERNELS_PATHS)) {
    assert.ok(Buffer.compare(await readFile(join(out, basename(path))), await readFile(path)) === 0,
      `${path} differs from a fresh build: run scripts/build-wasm-kernels.sh and commit it`);
  }
});

test.run();
