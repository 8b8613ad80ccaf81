import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Texts members read live in locales/, never in code. Two checks over every file in src/, on the syntax
 * tree (comments are free to quote any language):
 * - no string, template or regular-expression literal holds a CJK character;
 * - no English sentence is handed to Discord as a literal: `content:`/`label:`/`description:`/`name_localizations:`
 *   values, and the arguments of `setDescription`, `setDescriptionLocalizations`, `setLabel`, `setPlaceholder`,
 *   `reply`, `followUp`, `editReply`, `update`, `send`.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** Files allowed to keep literals, each with why. An entry whose file no longer has any fails, so the list only shrinks. */
const ALLOWED: Record<string, string> = {
  // Not replies: text the bot sends the model, or patterns that read the model's own output.
  'src/warmUp.ts': 'a Chinese prompt sent to the model at start-up to warm the tokenizer, never shown to a member',
};

const CJK = /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;
/** A word of two letters or more: `''`, `'\n'`, `'—'` or `${a} · ${b}` carry no language. */
const WORDS = /[A-Za-z]{2,}/;
const TEXT_PROPERTIES = new Set(['content', 'label', 'description', 'name_localizations', 'description_localizations', 'placeholder']);
const TEXT_METHODS = new Set(['setDescription', 'setDescriptionLocalizations', 'setLabel', 'setPlaceholder', 'reply', 'followUp', 'editReply', 'update', 'send']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The literal text of a string, template (without its substitutions) or regex node; undefined for anything else. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isRegularExpressionLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('\u0000');
  return undefined;
}

/** Every literal inside an expression handed to Discord, through objects, arrays and conditionals. */
function englishIn(node: ts.Node, found: ts.Node[]): void {
  const text = literalText(node);
  if (text !== undefined) {
    if (WORDS.test(text)) found.push(node);
    return;
  }
  if (ts.isCallExpression(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return; // a lookup's key is not a text
  // `{ type: 'text' }` in a model message's content parts names the part's kind; nobody reads it.
  if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'type') return;
  ts.forEachChild(node, (child) => englishIn(child, found));
}

interface Offence { file: string; line: number; kind: 'cjk' | 'english'; text: string }

function findLiterals(file: string, code = readFileSync(file, 'utf8')): Offence[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
  const offences: Offence[] = [];
  const report = (node: ts.Node, kind: Offence['kind']) => offences.push({
    file: relative(ROOT, file), line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, kind, text: node.getText(source).slice(0, 80),
  });
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== undefined && CJK.test(text)) report(node, 'cjk');
    const found: ts.Node[] = [];
    if (ts.isPropertyAssignment(node) && TEXT_PROPERTIES.has(node.name.getText(source).replace(/['"]/g, ''))) englishIn(node.initializer, found);
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && TEXT_METHODS.has(node.expression.name.text)) {
      for (const argument of node.arguments) englishIn(argument, found);
    }
    for (const literal of found) report(literal, 'english');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return offences;
}

describe('no member-facing text is a literal in code', () => {
  const files = sourceFiles(SRC);
  const offences = files.flatMap((file) => findLiterals(file));
  const findLiteralsIn = (code: string) => findLiterals(join(SRC, 'probe.ts'), code);

  it('src/ has no CJK literal and hands Discord no English literal, outside the allow-list', () => {
    const unexpected = offences.filter((o) => !(o.file in ALLOWED)).map((o) => `${o.file}:${o.line} (${o.kind}) ${o.text}`);
    expect(unexpected).toEqual([]);
  });

  it('every allow-listed file still needs its entry', () => {
    const stale = Object.keys(ALLOWED).filter((file) => !offences.some((o) => o.file === file));
    expect(stale, 'remove these entries from ALLOWED').toEqual([]);
  });

  it.each([
    ['a Chinese string', "const a = '你好';", 'cjk'],
    ['a Japanese template', 'const a = `こんにちは ${name}`;', 'cjk'],
    ['an English reply', "await interaction.reply({ content: 'Done: it worked.' });", 'english'],
    ['an English description', "builder.setDescription('Counts tokens');", 'english'],
    ['an English branch of a conditional', "await i.followUp({ content: ok ? text('done', l) : 'Sorry, no.' });", 'english'],
  ])('catches %s', (_name, code, kind) => {
    expect(findLiteralsIn(code).map((o) => o.kind)).toContain(kind);
  });

  it.each([
    ['a catalogue lookup', "await interaction.reply({ content: text('done', language, { count: 2 }) });"],
    ['markup without words', 'await interaction.reply({ content: `${first}\\n${second}` });'],
    ['a Chinese comment', "// 你好\nconst a = 1;"],
  ])('lets %s pass', (_name, code) => {
    expect(findLiteralsIn(code)).toEqual([]);
  });
});
