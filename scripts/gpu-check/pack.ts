// The GPU check's pack step (scripts/gpu-check.sh pack): everything its run step needs on a machine with an NVIDIA
// GPU, its driver and Python with PyTorch, but no Node, npm or internet, in one folder that fits the device tool's
// 64 MiB a call together with the checkout: this machine's Node (x86-64 Linux), the Vulkan loader, the project
// with the production dependencies the check loads, pruned, as scbench.tar.xz; the CIFAR-10 archive beside it;
// manifest.json.
//
//   pack.ts <out-dir> [--cifar10 <archive>]     (default ../shared/data/cifar10-images.tar.gz)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './plan.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** What one device call carries: the checkout and the carried folders together. */
export const DEVICE_CALL_LIMIT = 64 * 1024 * 1024;
export const PACK_FILE = 'scbench.tar.xz';

export interface PackManifest {
  gitCommit: string;
  createdAt: string;
  node: string;
  cifar10: { file: string; md5: string; bytes: number };
  files: { name: string; bytes: number }[];
}

/** Production dependencies the check never loads: the embedded MNIST (41 MB). */
const UNUSED_DEPENDENCIES = new Set(['mnist']);

/** The project files the check runs: sources, suites, the check itself; no tests, no fixtures. */
export function isProjectFile(path: string): boolean {
  const wanted = ['bin/', 'src/', 'data-fetch/', 'benchmarks/', 'scripts/gpu-check/'].some((dir) => path.startsWith(dir)) ||
    ['package.json', 'tsconfig.json', 'scripts/gpu-check.sh', 'scripts/torch_throughput.py'].includes(path);
  return wanted && !/\.test\.ts$|(^|\/)(fixtures|test-fixtures\.ts)(\/|$)/.test(path);
}

/**
 * Whether a file of an installed package (path relative to the package) stays in the pack: source maps, type
 * declarations, documentation and tests go; so do the platform builds this x86-64 Linux check cannot load (Dawn's
 * other platforms, tfjs's browser bundles, the wasm backend's threaded build, which Node does not use).
 */
export function keepsPackageFile(packageName: string, path: string): boolean {
  const parts = path.split('/');
  const name = parts[parts.length - 1];
  if (/\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/i.test(name) && !/^licen[sc]e/i.test(name)) return false;
  if (parts.slice(0, -1).some((dir) => ['test', 'tests', '__tests__', 'docs', 'doc', 'example', 'examples', '.github', 'miniprogram'].includes(dir))) return false;
  if (packageName === 'webgpu' && parts[0] === 'dist' && parts.length > 2 && parts[1] !== 'linux-x64') return false;
  if (packageName.startsWith('@tensorflow/') && parts[0] === 'dist' && /^tf-.*\.js$/.test(name) && !name.endsWith('.node.js')) return false;
  if (name === 'tfjs-backend-wasm-threaded-simd.wasm') return false;
  // esbuild's copy of its binary for the command line; its JS API, which tsx uses, runs @esbuild/<platform>'s.
  if (packageName === 'esbuild' && path === 'bin/esbuild') return false;
  return true;
}

interface LockPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * The installed folders (node_modules/... paths) of the production dependencies, less the unused ones, with
 * everything they need: resolved as Node does, from the requiring package's folder upwards, in the lockfile.
 * Optional dependencies count where they are installed (the platform's esbuild and sharp builds).
 */
export function productionPackages(lock: { packages: Record<string, LockPackage> }, installed: (path: string) => boolean): string[] {
  const found = new Set<string>();
  const visit = (from: string, name: string) => {
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (lock.packages[path] && installed(path)) {
        if (!found.has(path)) {
          found.add(path);
          const pkg = lock.packages[path];
          for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) visit(path, dep);
        }
        return;
      }
      if (!dir) return;
    }
  };
  for (const dep of Object.keys(lock.packages[''].dependencies ?? {})) if (!UNUSED_DEPENDENCIES.has(dep)) visit('', dep);
  return [...found].sort();
}

/** The package name of a node_modules path: the part after its last node_modules/. */
const packageNameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** x86-64 ELF: the only Node that runs on the device tool's machines. */
export function isX64Elf(header: Buffer): boolean {
  return header.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) && header[4] === 2 && header.readUInt16LE(18) === 62;
}

function fileHeader(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(20);
    readSync(fd, header, 0, 20, 0);
    return header;
  } finally {
    closeSync(fd);
  }
}

/** The file a shared library name resolves to on this machine (ldconfig's cache). */
function systemLibrary(soname: string, debianPackage: string): string {
  const line = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).split('\n').find((l) => l.includes(`${soname} (libc6,x86-64)`));
  if (!line) throw new Error(`${soname} is not installed here: apt-get install ${debianPackage}`);
  return realpathSync(line.split('=> ')[1].trim());
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
const md5Of = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Bytes of the files a device call sends from this checkout: tracked and untracked-not-ignored. */
function checkoutBytes(): number {
  return git('ls-files', '-z', '--cached', '--others', '--exclude-standard')
    .split('\0')
    .filter((f) => f && existsSync(join(root, f)))
    .reduce((sum, f) => sum + statSync(join(root, f)).size, 0);
}

function main(): void {
  const args = process.argv.slice(2);
  const flag = args.indexOf('--cifar10');
  const cifar10 = resolve(flag >= 0 ? args[flag + 1] : join(root, '..', 'shared', 'data', 'cifar10-images.tar.gz'));
  const positional = args.filter((a, i) => !a.startsWith('--') && (flag < 0 || i !== flag + 1));
  if (positional.length !== 1) throw new Error('usage: pack.ts <out-dir> [--cifar10 <archive>]');
  const out = resolve(positional[0]);
  if (!existsSync(cifar10)) throw new Error(`${cifar10}: no CIFAR-10 archive there (give one with --cifar10)`);
  if (!isX64Elf(fileHeader(process.execPath))) throw new Error(`${process.execPath} is not an x86-64 Linux executable: the GPU machines need one`);

  const staging = mkdtempSync(join(tmpdir(), 'scbench-pack-'));
  const tree = join(staging, 'scbench');
  try {
    const sizes = new Map<string, number>();
    const add = (group: string, from: string, to: string, filter?: (path: string) => boolean) => {
      cpSync(from, join(tree, to), { recursive: true, filter: (source) => {
        if (statSync(source).isDirectory()) return !filter || filter(relative(from, source).split(sep).join('/') + '/');
        if (filter && !filter(relative(from, source).split(sep).join('/'))) return false;
        sizes.set(group, (sizes.get(group) ?? 0) + statSync(source).size);
        return true;
      } });
    };

    for (const file of git('ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter((f) => f && isProjectFile(f) && existsSync(join(root, f)))) {
      add('project', join(root, file), file);
    }

    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    for (const path of productionPackages(lock, (p) => existsSync(join(root, p, 'package.json')))) {
      const name = packageNameOf(path);
      // A package's own node_modules holds other lockfile entries, copied (or not) in their own right.
      add(`node_modules (${name.split('/')[0]})`, join(root, path), path, (p) => !p.startsWith('node_modules/') && (p.endsWith('/') || keepsPackageFile(name, p)));
    }

    mkdirSync(join(tree, 'runtime', 'bin'), { recursive: true });
    mkdirSync(join(tree, 'runtime', 'lib'), { recursive: true });
    const node = join(tree, 'runtime', 'bin', 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
    // Symbols and debug sections are a tenth of Node's size; the dynamic symbols native addons link against stay.
    if (spawnSync('strip', [node]).status !== 0) console.error('pack: no strip here: Node packed with its symbols');
    sizes.set('node', statSync(node).size);
    for (const [soname, debianPackage] of [['libvulkan.so.1', 'libvulkan1'], ['libGLdispatch.so.0', 'libglvnd0']]) {
      copyFileSync(systemLibrary(soname, debianPackage), join(tree, 'runtime', 'lib', soname));
      sizes.set('Vulkan loader, libGLdispatch', (sizes.get('Vulkan loader, libGLdispatch') ?? 0) + statSync(join(tree, 'runtime', 'lib', soname)).size);
    }

    mkdirSync(out, { recursive: true });
    const pack = join(out, PACK_FILE);
    const tar = spawnSync('tar', ['-C', staging, '-cf', pack, '--use-compress-program', 'xz -9 -T2', 'scbench'], { stdio: 'inherit' });
    if (tar.status !== 0) throw new Error(`tar with xz failed (${tar.status})`);
    const archive = join(out, basename(cifar10));
    copyFileSync(cifar10, archive);

    const manifest: PackManifest = {
      gitCommit: git('rev-parse', 'HEAD').trim(),
      createdAt: new Date().toISOString(),
      node: process.version,
      cifar10: { file: basename(archive), md5: md5Of(archive), bytes: statSync(archive).size },
      files: [PACK_FILE, basename(archive)].map((name) => ({ name, bytes: statSync(join(out, name)).size })),
    };
    writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    const packed = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    const checkout = relative(root, out).startsWith('..') ? 0 : checkoutBytes();
    const rows = [...sizes].sort((a, b) => b[1] - a[1]).map(([group, bytes]) => [group, mib(bytes)]);
    console.log(markdownTable(['in scbench.tar.xz, uncompressed', 'size'], rows));
    console.log('');
    console.log(markdownTable(['what a device call carries', 'size'], [
      ...manifest.files.map((f) => [f.name, mib(f.bytes)]),
      ['the checkout (tracked and untracked files, not ignored)', mib(checkout)],
      ['total', `${mib(packed + checkout)} of ${mib(DEVICE_CALL_LIMIT)}`],
    ]));
    if (packed + checkout > DEVICE_CALL_LIMIT) {
      console.error(`pack: ${mib(packed + checkout)} is more than one device call carries (${mib(DEVICE_CALL_LIMIT)})`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(`pack: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
