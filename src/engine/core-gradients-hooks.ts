/**
 * Module loader hooks (node:module register) that let Node import tfjs-core's ES-module build
 * (dist/*.js). That build is written for bundlers: its relative imports have no extension and its
 * package.json does not say "type": "module". Only files under @tensorflow/tfjs-core/dist/ are touched,
 * and not the single-file bundles (tf-core*.js) that Node normally loads.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface ResolveResult {
  url: string;
  format?: string | null;
}
interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array | null;
}
type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<ResolveResult>;
type NextLoad = (url: string, context: object) => Promise<LoadResult>;

const isEsmBuildFile = (url: string) => /\/@tensorflow\/tfjs-core\/dist\//.test(url) && !/\/dist\/tf-core[^/]*\.js$/.test(url);

export async function resolve(specifier: string, context: { parentURL?: string }, next: NextResolve) {
  const parent = context.parentURL;
  if (parent !== undefined && isEsmBuildFile(parent) && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    // CommonJS order, which the build assumes: 'x' is x.js when that file exists, else x/index.js.
    const base = new URL(specifier, parent);
    const url = existsSync(`${fileURLToPath(base)}.js`) ? `${base.href}.js` : `${base.href}/index.js`;
    return { url, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url: string, context: object, next: NextLoad) {
  if (isEsmBuildFile(url)) return { format: 'module', source: await readFile(new URL(url)), shortCircuit: true };
  return next(url, context);
}
