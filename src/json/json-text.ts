// JSON parsing whose syntax errors say where they are: V8's messages name a position only for some errors
// ("Unexpected token 'x', ... is not valid JSON" has none), so the offset comes from a small scanner of the
// JSON grammar and V8 supplies only the wording.
import { UserError } from '../errors.ts';

/** Parses `text`; a syntax error is a UserError `<file>: invalid JSON at line L, column C: <reason>`. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const { line, column } = lineAndColumn(text, syntaxErrorOffset(text));
    const reason = (error as Error).message
      .replace(/ in JSON at position \d+[\s\S]*$/, '')
      .replace(/, (\.\.\.)?"[\s\S]*$/, '')
      .replace(/[\u0000-\u001f]/g, (control) => JSON.stringify(control).slice(1, -1)); // one line: "token '\n'"
    throw new UserError(`${file}: invalid JSON at line ${line}, column ${column}: ${reason}`);
  }
}

/** 1-based line and column of a UTF-16 offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: (before.match(/\n/g)?.length ?? 0) + 1, column: offset - lineStart + 1 };
}

const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX_DIGIT = /^[0-9a-fA-F]$/;
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Offset of the first character at which `text` stops being JSON (text.length when it ends too early). */
export function syntaxErrorOffset(text: string): number {
  let i = 0;
  class Stop {}
  const stop = (): never => {
    throw new Stop();
  };
  const skipSpace = () => {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  };
  const expect = (c: string) => (text[i] === c ? i++ : stop());
  const digits = () => {
    if (!isDigit(text[i])) stop();
    while (isDigit(text[i])) i++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') stop();
      i++;
      if (c === '"') return;
      if (c === '\\') {
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            if (!HEX_DIGIT.test(text[i] ?? '')) stop();
            i++;
          }
        } else if (ESCAPES.has(text[i] ?? '')) i++;
        else stop();
      }
    }
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const literal = (word: string) => {
    for (const c of word) expect(c);
  };
  const sequence = (close: string, item: () => void) => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      expect(',');
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      sequence('}', () => {
        skipSpace();
        string();
        skipSpace();
        expect(':');
        value();
      });
    } else if (c === '[') sequence(']', value);
    else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || isDigit(c)) number();
    else stop();
  };
  try {
    value();
    skipSpace();
    return i; // trailing text after the value, or the end when the scanner finds no fault

  } catch (error) {
    if (error instanceof Stop) return i;
    throw error;
  }
}
