/**
 * Where a JSON text goes wrong, as line and column. Node 22+ puts the position in JSON.parse's
 * message, Node 20 does not, so when the message lacks it a small syntax walk finds the offset.
 * Only used after JSON.parse has failed: it reports, it never parses values.
 */

export interface JsonPosition {
  line: number;
  column: number;
}

export function jsonErrorPosition(text: string, message: string): JsonPosition | undefined {
  const fromMessage = /line (\d+) column (\d+)/.exec(message);
  if (fromMessage) return { line: Number(fromMessage[1]), column: Number(fromMessage[2]) };
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : findErrorOffset(text);
  return offset === undefined ? undefined : positionOf(text, offset);
}

function positionOf(text: string, offset: number): JsonPosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/** Offset of the first syntax error, or undefined if the text is valid (or too deep to walk). */
export function findErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (ch: string): void => {
    skipSpace();
    if (text.charAt(i) !== ch) fail();
    i++;
  };
  const literal = (word: string): void => {
    if (!text.startsWith(word, i)) fail();
    i += word.length;
  };
  const string = (): void => {
    i++;
    for (;;) {
      const c = text.charAt(i);
      if (c === '' || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c !== '\\') continue;
      const escape = text.charAt(i);
      if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5;
      else if (escape !== '' && '"\\/bfnrt'.includes(escape)) i++;
      else fail();
    }
  };
  const list = (close: string, item: () => void): void => {
    i++;
    skipSpace();
    if (text.charAt(i) === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      skipSpace();
      const c = text.charAt(i);
      if (c === close) {
        i++;
        return;
      }
      if (c !== ',') fail();
      i++;
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text.charAt(i);
    if (c === '{') list('}', member);
    else if (c === '[') list(']', value);
    else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else {
      const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      if (!number) fail();
      i += number?.[0].length ?? 0;
    }
  };
  function member(): void {
    skipSpace();
    if (text.charAt(i) !== '"') fail();
    string();
    expect(':');
    value();
  }
  try {
    value();
    skipSpace();
    if (i < text.length) fail();
    return undefined;
  } catch (error) {
    return error instanceof SyntaxAt ? error.offset : undefined;
  }
}

class SyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}
