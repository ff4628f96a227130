import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// data-fetch/ is the layer below src/data/: src/data/ imports it (descriptors, loading), never the reverse. From
// src/ it takes only the helpers that sit below everything (errors, atomic writes, seeded random, tables, JSON
// checking), and those import nothing else of src/. Its tests may use src/data/'s descriptors, as any client does.
const HELPERS = ['src/errors.ts', 'src/fsutil.ts', 'src/random.ts', 'src/text-table.ts', 'src/json/'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const isHelper = (path: string) => HELPERS.some((helper) => (helper.endsWith('/') ? path.startsWith(helper) : path === helper));

/** The repository-relative paths of a module's relative imports. */
async function importsOf(path: string): Promise<string[]> {
  const text = await readFile(join(root, path), 'utf8');
  return [...text.matchAll(/(?:from|import\(?)\s*'(\.[^']+)'/g)].map((m) => relative(root, resolve(root, dirname(path), m[1])));
}

test('data-fetch/ takes from src/ only the helpers below everything, and they import only each other', async () => {
  const modules = (await readdir(join(root, 'data-fetch'))).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'test-fixtures.ts');
  assert.ok(modules.length > 10);
  // Every module of src/ reached from data-fetch/, directly or through a helper, must be a helper.
  const reached: string[] = [];
  const check = async (importer: string, imports: string[]) => {
    const fromSrc = imports.filter((path) => path.startsWith('src/'));
    assert.equal(fromSrc.filter((path) => !isHelper(path)), [], importer);
    for (const path of fromSrc) if (!reached.includes(path)) reached.push(path);
  };
  for (const file of modules) await check(`data-fetch/${file}`, await importsOf(`data-fetch/${file}`));
  assert.ok(reached.length > 0);
  for (let i = 0; i < reached.length; i++) await check(reached[i], await importsOf(reached[i]));
});

test.run();
