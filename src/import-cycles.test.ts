import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// Modules import downwards: engine <- nn <- train, results formats below their readers and writers. A cycle (static
// imports, type imports and dynamic import() alike) means two modules own each other's concepts.
const root = fileURLToPath(new URL('..', import.meta.url));

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)|^\s*import\s*'(\.[^']+)'/gm;

/** Each module's relative imports among `files`. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const text = readFileSync(file, 'utf8');
      const targets = [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), (m[1] ?? m[2] ?? m[3])!)).filter((target) => known.has(target));
      return [file, [...new Set(targets)]];
    }),
  );
}

/** The strongly connected components of more than one module, or of one importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)!.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

test('finds a cycle through a dynamic import and leaves a chain alone', () => {
  const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  assert.equal(cycles(graph), [['a', 'b', 'c']]);
  assert.equal(cycles(new Map([['a', ['b']], ['b', []]])), []);
  const text = "import type { X } from './x.ts';\nexport { y } from './y.ts';\nconst z = await import('./z.ts');\nimport { w } from 'w';\nimport './v.ts';";
  assert.equal([...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]), ['./x.ts', './y.ts', './z.ts', './v.ts']);
});

test('no import cycle among the modules of src/ and data-fetch/', () => {
  const files = [...modules(join(root, 'src')), ...modules(join(root, 'data-fetch'))];
  const graph = importGraph(files);
  assert.ok(graph.size > 100, `${graph.size} modules`);
  assert.ok([...graph.values()].flat().length > 300, 'imports are found');
  assert.equal(cycles(graph).map((component) => component.map((file) => relative(root, file)).join(' -> ')), []);
});

test.run();
