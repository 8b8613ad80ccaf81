import { describe, expect, test } from 'vitest';
import { parseTranslationReply } from '../../../src/services/translate/prompt.ts';

describe('parseTranslationReply', () => {
  test.each([
    ['the normal form', 'SOURCE: Japanese | ja\n---\nHello!\n\nSecond line', { sourceName: 'Japanese', sourceCode: 'ja', text: 'Hello!\n\nSecond line' }],
    ['extra whitespace', '  \n SOURCE:   English  |  en  \n\n ---  \n\n你好\n\n', { sourceName: 'English', sourceCode: 'en', text: '你好' }],
    ['a missing separator', 'SOURCE: French | fr\nBonjour → Hello', { sourceName: 'French', sourceCode: 'fr', text: 'Bonjour → Hello' }],
    ['the whole reply in a code fence', '```\nSOURCE: German | de\n---\nGood morning\n```', { sourceName: 'German', sourceCode: 'de', text: 'Good morning' }],
    ['Markdown around the header', '**SOURCE:** Simplified Chinese | zh-CN\n---\n**粗體**', { sourceName: 'Simplified Chinese', sourceCode: 'zh-CN', text: '**粗體**' }],
    ['a full-width colon and a code in brackets', 'Source：Korean (ko)\n---\n안녕 → hi', { sourceName: 'Korean', sourceCode: 'ko', text: '안녕 → hi' }],
    ['only a code', 'SOURCE: ja\n---\nHi', { sourceName: 'Japanese', sourceCode: 'ja', text: 'Hi' }],
    ['only a name', 'SOURCE: Spanish\n---\nHi', { sourceName: 'Spanish', sourceCode: 'es', text: 'Hi' }],
    ['an unknown language', 'SOURCE: Klingon | tlh\n---\nHi', { sourceName: 'Klingon', sourceCode: 'tlh', text: 'Hi' }],
    ['a nonsense code', 'SOURCE: Mixed | unknown code\n---\nHi', { sourceName: 'Mixed', sourceCode: undefined, text: 'Hi' }],
    ['echoed delimiters', 'SOURCE: Thai | th\n---\n<<<BEGIN TEXT>>>\nHello\n<<<END TEXT>>>', { sourceName: 'Thai', sourceCode: 'th', text: 'Hello' }],
    ['indented code kept in the body', 'SOURCE: Italian | it\n---\n    indented\nline', { sourceName: 'Italian', sourceCode: 'it', text: '    indented\nline' }],
    ['CRLF line endings', 'SOURCE: Dutch | nl\r\n---\r\nHi\r\nthere', { sourceName: 'Dutch', sourceCode: 'nl', text: 'Hi\nthere' }],
  ])('translated: %s', (_case, reply, expected) => {
    expect(parseTranslationReply(reply)).toEqual({ kind: 'translated', ...expected });
  });

  test.each([
    ['SAME', 'SAME', {}],
    ['SAME with spaces and a period', '  SAME.  ', {}],
    ['SAME in backticks', '`SAME`', {}],
    ['SOURCE: SAME', 'SOURCE: SAME', {}],
    ['SAME in a fence', '```\nSAME\n```', {}],
    ['SAME followed by text', 'SAME\n---\nAlready English', { text: 'Already English' }],
  ])('same language: %s', (_case, reply, extra) => {
    expect(parseTranslationReply(reply)).toEqual({ kind: 'same-language', ...extra });
  });

  test.each([
    ['a bare translation', 'Hello there', 'Hello there'],
    ['a header with no translation', 'SOURCE: Japanese | ja\n---\n', 'SOURCE: Japanese | ja\n---'],
    ['an empty reply', '   ', ''],
    ['garbage', '¯\\_(ツ)_/¯ SOURCE', '¯\\_(ツ)_/¯ SOURCE'],
    ['a fenced reply without the protocol', '```js\nconsole.log(1)\n```', '```js\nconsole.log(1)\n```'],
    ['a word that starts with same', 'Samedi', 'Samedi'],
  ])('unparsed: %s', (_case, reply, text) => {
    expect(parseTranslationReply(reply)).toEqual({ kind: 'unparsed', text });
  });
});
