import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, loadCatalogues, t, type TextValues } from '../../src/services/i18n.ts';

/**
 * Every text of every catalogue renders with sample values, and what a reader gets is finished: no
 * placeholder left, each plural and select branch reachable, translations really translated, and
 * Chinese in the script its readers use.
 */
const catalogues = loadCatalogues();

/** A sample for each argument: numbers for plurals and counts, the first named branch for a select, text otherwise. */
function samples(elements: MessageFormatElement[], into: TextValues[] = [{}]): TextValues[] {
  for (const element of elements) {
    if (element.type === TYPE.argument) for (const values of into) values[element.value] ??= `‹${element.value}›`;
    if (element.type === TYPE.number) for (const values of into) values[element.value] ??= 7;
    if (element.type === TYPE.plural) {
      // One sample per branch count, so `one` and `other` both render.
      const counts = [1, 2, 0];
      const grown = into.flatMap((values) => counts.map((count) => ({ ...values, [element.value]: values[element.value] ?? count })));
      into.splice(0, into.length, ...grown);
      for (const option of Object.values(element.options)) samples(option.value, into);
    }
    if (element.type === TYPE.select) {
      const branches = Object.keys(element.options);
      const grown = into.flatMap((values) => branches.map((branch) => ({ ...values, [element.value]: values[element.value] ?? branch })));
      into.splice(0, into.length, ...grown);
      for (const option of Object.values(element.options)) samples(option.value, into);
    }
  }
  return into;
}

/** Kana, CJK ideographs, and CJK or full-width punctuation (`DM：{spent}` is Japanese). */
const CJK = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;
/** English words left after placeholders, code spans, env names, URLs and product names are taken out. */
function englishWords(text: string): string[] {
  const stripped = text
    .replace(/\{[^{}]*\}/g, ' ').replace(/`[^`]*`/g, ' ').replace(/\b[A-Z][A-Z0-9_]{2,}\b(=\w+)?/g, ' ')
    .replace(/\b[\w.-]+\.(com|json|env)\b|\.env|README/g, ' ')
    .replace(/\b(OpenAI|Discord|AI|GPT-[\w.-]+|Llama|Qwen|Mistral|Tokenizer|Message Content|Bot|Privileged Gateway Intents|token|UTC|IANA|DM|ID|default|unlimited|true|false|Asia\/\w+|Europe\/\w+|o200k_base|cl100k_base|gpt-4o)\b/gi, ' ');
  return stripped.match(/[A-Za-z]{3,}/g) ?? [];
}

/** Characters only Traditional Chinese writes (their Simplified forms differ), and the reverse. */
const TRADITIONAL_ONLY = /[這們設時權訊頻務將機請與對話錄額費讀開關無為體還應嗎過點發現號數語預單擇處選裡長間圖檔傳歷紀記狀態變擁營輸實際]/;
const SIMPLIFIED_ONLY = /[这们设时权讯频务将机请与对话录额费读开关无为体还应吗过点发现号数语预单择处选里长间图档传历纪记状态变拥营输实际]/;

describe.each(LANGUAGES)('%s catalogue', (language) => {
  const entries = Object.entries(catalogues[language]).flatMap(([namespace, texts]) => Object.keys(texts).map((key) => [namespace, key] as const));

  it('has texts to render', () => {
    expect(entries.length).toBeGreaterThan(100);
  });

  it('renders every text with sample values, leaving no placeholder unfilled', () => {
    for (const [namespace, key] of entries) {
      const source = catalogues[language][namespace]![key]!;
      const renderings: string[] = [];
      const placeholders = new Map<string, string>();
      for (const values of samples(parse(source, { ignoreTag: true }))) {
        const rendered = t(language, namespace, key, values);
        renderings.push(rendered);
        expect(rendered.trim(), `${language}/${namespace}:${key}`).not.toBe('');
        // Braces a text writes on purpose are ICU-quoted ('{'); any other left in the output is an unfilled placeholder.
        const quoted = (source.match(/'[{}]'/g) ?? []).length;
        expect((rendered.match(/[{}]/g) ?? []).length, `${language}/${namespace}:${key}`).toBe(quoted);
        for (const [name, value] of Object.entries(values)) if (typeof value === 'string' && value.startsWith('‹')) placeholders.set(name, value);
      }
      // A placeholder inside a plural or select branch shows only in that branch: each must show in some rendering.
      for (const [name, value] of placeholders) expect(renderings.some((r) => r.includes(value)), `${language}/${namespace}:${key} uses {${name}}`).toBe(true);
    }
  });

  if (language !== 'en') {
    it('is translated: a text with English words in English has the language\'s own script', () => {
      const untranslated = entries.filter(([namespace, key]) => englishWords(catalogues.en[namespace]![key]!).length > 0 && !CJK.test(catalogues[language][namespace]![key]!));
      expect(untranslated.map(([namespace, key]) => `${namespace}:${key}`)).toEqual([]);
    });
  }

  if (language === 'zh-CN') {
    it('is written in Simplified characters, with mainland wording', () => {
      for (const [namespace, key] of entries) {
        // `Quoted` spans are names as written elsewhere (a language's own name, 日本語), not this text's wording.
        const text = catalogues[language][namespace]![key]!.replace(/`[^`]*`/g, '');
        expect(text, `${namespace}:${key}`).not.toMatch(TRADITIONAL_ONLY);
        expect(text, `${namespace}:${key}`).not.toMatch(/伺服|讯息|訊息|身分组|档案|影片/);
      }
    });
  }

  if (language === 'zh-TW') {
    it('is written in Traditional characters, with Taiwan wording', () => {
      for (const [namespace, key] of entries) {
        const text = catalogues[language][namespace]![key]!.replace(/`[^`]*`/g, '');
        expect(text, `${namespace}:${key}`).not.toMatch(SIMPLIFIED_ONLY);
        expect(text, `${namespace}:${key}`).not.toMatch(/服务器|服務器|消息|默認|默认/);
      }
    });
  }
});

describe('sample values', () => {
  it('reach every branch of a plural and a select', () => {
    const variants = samples(parse('{n, plural, one {# a} other {# b}} {who, select, me {I} other {they}}', { ignoreTag: true }));
    expect(variants.map((v) => [v.n, v.who])).toContainEqual([1, 'me']);
    expect(variants.map((v) => [v.n, v.who])).toContainEqual([2, 'other']);
  });

  it('expose an English text left in a translation', () => {
    expect(englishWords('You have used {spent} of `/budget`.')).toEqual(['You', 'have', 'used']);
    expect(englishWords('OPENAI_API_KEY · `x` · {a}')).toEqual([]);
  });
});
