/**
 * The source maps written beside the bundle (scripts/build.mjs), cut down to what src/stackTrace.ts reads when a stack
 * is logged: the TypeScript line of each position in the bot's own code, and the original names of the classes and
 * functions the minifier renamed.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/**
 * The extension field (source maps leave `x_` names to tools) listing each declaration the minifier renamed, as
 * `[line, column, kind, bundle name, original name]` (line and column 0-based, in the bundle); src/stackTrace.ts reads it.
 */
export const RENAMED_FIELD = 'x_renamedDeclarations';

function decodeVlq(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeVlq(values) {
  let text = '';
  for (const n of values) {
    let value = n < 0 ? (-n << 1) | 1 : n << 1;
    do {
      let digit = value & 31;
      value >>>= 5;
      if (value) digit |= 32;
      text += BASE64[digit];
    } while (value);
  }
  return text;
}

/** Each bundle line's mappings with their fields made absolute: `{ column }` alone where a mapping has no source. */
function decodeMappings(map) {
  const state = { source: 0, line: 0, column: 0, name: 0 };
  return map.mappings.split(';').map((line) => {
    let column = 0;
    return line.split(',').filter(Boolean).map((segment) => {
      const fields = decodeVlq(segment);
      column += fields[0];
      if (fields.length < 4) return { column };
      state.source += fields[1];
      state.line += fields[2];
      state.column += fields[3];
      if (fields.length > 4) state.name += fields[4];
      return { column, source: state.source, line: state.line, originalColumn: state.column, name: fields.length > 4 ? state.name : undefined };
    });
  });
}

/** Whether each source of the map is the bot's own code (not a library in node_modules). */
function ownSources(map) {
  return map.sources.map((source) => !source.split('\\').join('/').includes('node_modules/'));
}

/**
 * Node keeps every mapping of a loaded source map as its own small array (tens of MB for a bundle with its
 * libraries). Stack traces need the TypeScript line of the bot's own code, so this keeps one mapping where a
 * bundle line starts or its source line changes in the bot's own code, and marks where library code starts as unmapped
 * (a frame there shows the bundle's own position instead of a wrong TypeScript line).
 */
export function lineMap(map) {
  const ours = ownSources(map);
  const sources = map.sources.filter((_, n) => ours[n]);
  const newIndex = ours.map((own, n) => (own ? ours.slice(0, n).filter(Boolean).length : -1));
  const out = { source: 0, line: 0, column: 0 };
  let last = 'unmapped';
  const lines = decodeMappings(map).map((segments) => {
    const kept = [];
    let previousColumn = 0;
    for (const { column, source: from, line, originalColumn } of segments) {
      if (from === undefined) continue;
      const source = newIndex[from];
      if (source < 0) {
        if (last !== 'unmapped') kept.push(encodeVlq([column - previousColumn]));
        else continue;
        last = 'unmapped';
      } else {
        const key = `${source}:${line}`;
        if (key === last && kept.length > 0) continue;
        kept.push(encodeVlq([column - previousColumn, source - out.source, line - out.line, originalColumn - out.column]));
        out.source = source;
        out.line = line;
        out.column = originalColumn;
        last = key;
      }
      previousColumn = column;
    }
    // A new bundle line always restates its mapping (Node looks up the nearest mapping before a position).
    if (last !== 'unmapped') last = 'line start';
    return kept.join(',');
  });
  return { version: 3, file: map.file, sources, names: [], mappings: lines.join(';') };
}

/** An identifier as esbuild writes one (ASCII: the bundle is). */
const IDENTIFIER = /[A-Za-z_$][\w$]*/y;
/** What comes before a declared name: `class X{`, `class X extends`, `function X(`, `function* X(` (also after `async`). */
const CLASS_BEFORE = /\bclass\s*$/;
const FUNCTION_BEFORE = /\bfunction\s*\*?\s*$/;
/** A class bound to a variable, as esbuild writes most classes: `var X=class{`, `,X=class extends`. */
const CLASS_AFTER = /^=class\b/;
/** Enough of the text around a name to see the keyword before it or the `=class` after it. */
const CONTEXT = 12;

/**
 * The classes and functions of the bot's own code that the minifier renamed, found where esbuild's full map names
 * their declaration. A stack frame names a class by its bundle name (`at Xe.handle`): V8 takes it from the
 * constructor, not from the `name` that keepNames restores; so does a function called before its `name` was set.
 */
export function renamedDeclarations(map, code) {
  const ours = ownSources(map);
  const codeLines = code.split('\n');
  const found = [];
  decodeMappings(map).forEach((segments, line) => {
    const text = codeLines[line] ?? '';
    for (const { column, source, name } of segments) {
      if (name === undefined || !ours[source]) continue;
      IDENTIFIER.lastIndex = column;
      const bundled = IDENTIFIER.exec(text)?.[0];
      const original = map.names[name];
      if (!bundled || bundled === original) continue;
      const before = text.slice(Math.max(0, column - CONTEXT), column);
      const after = text.slice(column + bundled.length, column + bundled.length + CONTEXT);
      const kind = CLASS_BEFORE.test(before) || CLASS_AFTER.test(after) ? 'class' : FUNCTION_BEFORE.test(before) ? 'function' : undefined;
      if (!kind) continue;
      // `var o=class r{`: a class that refers to itself keeps that reference in a name of its own (r), which esbuild's map
      // calls `_AskCommand`; it is the class bound to the variable just before it.
      const outer = found.at(-1);
      const inner = kind === 'class' && outer?.[0] === line && text.slice(outer[1], column) === `${outer[3]}=class `;
      found.push([line, column, kind, bundled, inner ? outer[4] : original]);
    }
  });
  return found;
}

/** The map written beside a bundle file: its TypeScript lines and its renamed declarations (`code`: the bundle file's text). */
export function slimMap(map, code) {
  return { ...lineMap(map), [RENAMED_FIELD]: renamedDeclarations(map, code) };
}
