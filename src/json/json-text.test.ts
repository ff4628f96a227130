import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../errors.ts';
import { lineAndColumn, parseJsonText, syntaxErrorOffset } from './json-text.ts';

const MALFORMED = [
  '{"a":1,}', '{"a":1', '{\n "a": 1\n "b": 2}', '[1,2]x', '{"a": 01}', '{"a": "x\ny"}', '{"a": [1 2]}',
  '{"a": -}', '{a:1}', '{"a":1}}', '"\\q"', '1.e5', '"\\u12g4"', '{"a" 1}', '[1e]', '{"a": [true, nul]}',
];

test('the scanner stops where V8 does, for every error V8 gives a position for', () => {
  for (const text of MALFORMED) {
    let message = '';
    try {
      JSON.parse(text);
    } catch (error) {
      message = (error as Error).message;
    }
    const position = /at position (\d+)/.exec(message);
    if (position) assert.is(syntaxErrorOffset(text), Number(position[1]), `${JSON.stringify(text)}: ${message}`);
  }
});

test('the scanner places errors V8 gives no position for: bad literals, stray characters, early ends', () => {
  assert.is(syntaxErrorOffset('{"a": tru}'), 9);
  assert.is(syntaxErrorOffset('{"a": [1, ]}'), 10);
  assert.is(syntaxErrorOffset('{"a": @}'), 6);
  assert.is(syntaxErrorOffset('{"a": [1,'), 9);
  assert.is(syntaxErrorOffset(''), 0);
  const valid = ' {"a": [1, {"b": null}], "c": "\\u00e9\\n", "d": -0.5e+3} ';
  assert.is(syntaxErrorOffset(valid), valid.length, 'valid JSON: no fault before the end');
});

test('lines and columns are 1-based', () => {
  assert.equal(lineAndColumn('ab\ncd', 0), { line: 1, column: 1 });
  assert.equal(lineAndColumn('ab\ncd', 4), { line: 2, column: 2 });
  assert.equal(lineAndColumn('ab\n', 3), { line: 2, column: 1 });
});

test('parseJsonText returns the value, or a one-line UserError with file, line, column and reason', () => {
  assert.equal(parseJsonText('{"a": [1]}', 'f.json'), { a: [1] });
  assert.throws(
    () => parseJsonText('{\n  "a": tru\n}', 'f.json'),
    (error: Error) => error instanceof UserError && error.message === `f.json: invalid JSON at line 2, column 11: Unexpected token '\\n'`,
  );
  const long = `{"description": "${'x'.repeat(80)}", "cells": [1 2]}`;
  assert.throws(
    () => parseJsonText(long, 'f.json'),
    (error: Error) => error instanceof UserError && error.message === `f.json: invalid JSON at line 1, column 113: Expected ',' or ']' after array element`,
  );
});

test.run();
