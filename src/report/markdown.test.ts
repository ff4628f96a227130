import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toMarkdown } from './markdown.ts';

test('bold text ending in a space closes before the space, as markdown requires', () => {
  const markdown = toMarkdown({
    title: 't',
    lead: 'l',
    sections: [{ id: 's', title: 'S', blocks: [{ kind: 'list', items: [[{ text: 'simple.cifar10.constant: ', strong: true }, 'its note']] }] }],
  });
  assert.ok(markdown.includes('**simple.cifar10.constant:** its note'), markdown);
});

test.run();
