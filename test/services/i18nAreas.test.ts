import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, test } from 'vitest';
import { LANGUAGES, loadCatalogues, t } from '../../src/services/i18n.ts';

/** The namespaces of images, fine-tuning, translation and transcription (with the audio checks). */
const NAMESPACES = ['images', 'finetune', 'translate', 'transcription'] as const;
const catalogues = loadCatalogues();

/** Every argument a message uses, and whether it is read as a number (plural, `number`), chooses a branch (select) or is shown. */
type Kind = 'number' | 'text' | 'select';

function argumentsOf(elements: MessageFormatElement[], into = new Map<string, Kind>()): Map<string, Kind> {
  for (const element of elements) {
    if (element.type === TYPE.argument) into.set(element.value, into.get(element.value) ?? 'text');
    if (element.type === TYPE.number || element.type === TYPE.plural) into.set(element.value, 'number');
    if (element.type === TYPE.select) into.set(element.value, 'select');
    if (element.type === TYPE.plural || element.type === TYPE.select) for (const option of Object.values(element.options)) argumentsOf(option.value, into);
  }
  return into;
}

/** Sample values that cannot occur in a text: a placeholder left unfilled, or filled twice, shows. */
const sample = (name: string, kind: Kind) => (kind === 'number' ? 7 : `«${name}»`);

describe('every text of these areas renders in every language', () => {
  for (const namespace of NAMESPACES) {
    test(`${namespace}: all four catalogues exist with the same keys`, () => {
      const keys = Object.keys(catalogues.en[namespace] ?? {}).sort();
      expect(keys.length).toBeGreaterThan(5);
      for (const language of LANGUAGES) expect(Object.keys(catalogues[language][namespace] ?? {}).sort(), language).toEqual(keys);
    });

    for (const language of LANGUAGES) {
      test(`${namespace} in ${language}: every key renders, each value shows up, nothing is left in braces`, () => {
        for (const [key, source] of Object.entries(catalogues[language][namespace] ?? {})) {
          const elements = parse(source, { ignoreTag: true });
          const args = argumentsOf(elements);
          const values = Object.fromEntries([...args].map(([name, kind]) => [name, sample(name, kind)]));
          // A message with a select renders once per branch; a value need only show in the branches that use it.
          const select = elements.find((element) => element.type === TYPE.select);
          const branches = select ? Object.keys(select.options).map((option) => ({ ...values, [select.value]: option })) : [values];
          const renderings = branches.map((branch) => t(language, namespace, key, branch));
          for (const [index, rendered] of renderings.entries()) {
            expect(rendered.trim(), `${language}/${namespace}:${key}`).not.toBe('');
            // Literal braces are only the JSONL example `{"messages": [...]}`; any other brace is a placeholder that was not filled.
            expect(rendered.replaceAll('{"messages": [...]}', ''), `${language}/${namespace}:${key}`).not.toMatch(/[{}]/);
            if (language !== 'en') expect(rendered, `${language}/${namespace}:${key} is translated`).not.toBe(t('en', namespace, key, branches[index]));
          }
          for (const [name, kind] of args) {
            if (kind === 'text') expect(renderings.join('\n'), `${language}/${namespace}:${key} shows {${name}}`).toContain(`«${name}»`);
          }
        }
      });
    }
  }

  test.each([
    ['timeout', 'Discord からファイルをダウンロードできませんでした（時間がかかりすぎました）。もう一度ファイルをアップロードしてお試しください。'],
    ['http', 'Discord からファイルをダウンロードできませんでした（Discord がファイルの代わりにエラーを返しました）。もう一度ファイルをアップロードしてお試しください。'],
    ['network', 'Discord からファイルをダウンロードできませんでした（接続に失敗しました）。もう一度ファイルをアップロードしてお試しください。'],
  ])('a failed download is explained by its cause (%s), never with an English error', (cause, says) => {
    expect(t('ja', 'finetune', 'downloadFailed', { cause })).toBe(says);
  });

  test('Chinese catalogues use their own script: no Simplified-only forms in zh-TW, no Traditional-only forms in zh-CN', () => {
    // Characters that differ between the scripts and are common in these texts.
    const traditional = /[為這個們會說時來還與後開體檔訊頻伺務費設點網結處見題]/;
    const simplified = /[为这个们会说时来还与后开体档讯频伺务费设点网结处见题]/.source.replace(/[伺]/, '');
    for (const namespace of NAMESPACES) {
      for (const [key, text] of Object.entries(catalogues['zh-CN'][namespace] ?? {})) expect(text, `zh-CN/${namespace}:${key}`).not.toMatch(traditional);
      for (const [key, text] of Object.entries(catalogues['zh-TW'][namespace] ?? {})) expect(text, `zh-TW/${namespace}:${key}`).not.toMatch(new RegExp(simplified));
    }
  });
});
