import { readdir, readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// data-fetch/ is the layer below src/data/: src/data/ imports it (descriptors, loading), never the reverse.
// Its tests may use src/data/'s descriptors, as any client does.
test('no module of data-fetch/ imports from src/data/', async () => {
  const dir = new URL('./', import.meta.url);
  const modules = (await readdir(dir)).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'test-fixtures.ts');
  assert.ok(modules.length > 10);
  for (const file of modules) {
    const text = await readFile(new URL(file, dir), 'utf8');
    const upward = [...text.matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1]).filter((path) => path.includes('src/data/'));
    assert.equal(upward, [], file);
  }
});

test.run();
