import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toMarkdown } from './markdown.ts';

test('bold text beginning or ending in a space opens after and closes before it, as markdown requires', () => {
  const markdown = toMarkdown({
    title: 't',
    lead: 'l',
    sections: [{ id: 's', title: 'S', blocks: [{ kind: 'list', items: [[{ text: 'simple.cifar10.constant: ', strong: true }, 'its note'], ['a', { text: ' bold', strong: true }]] }] }],
  });
  assert.ok(markdown.includes('**simple.cifar10.constant:** its note'), markdown);
  assert.ok(markdown.includes('a **bold**'), markdown);
});

test.run();
