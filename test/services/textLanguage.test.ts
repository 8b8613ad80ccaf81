import { describe, expect, test } from 'vitest';
import { languageOfMessage } from '../../src/services/textLanguage.ts';

describe('languageOfMessage', () => {
  test.each([
    ['what is a token?', undefined, 'en'],
    ['what is a token?', 'zh-TW', 'en'],
    ['這個模型的費用是多少？', undefined, 'zh-TW'],
    ['这个模型的费用是多少？', undefined, 'zh-CN'],
    ['这个模型的费用是多少？', 'zh-TW', 'zh-CN'],
    ['トークンとは何ですか', undefined, 'ja'],
    ['東京の天気', 'zh-TW', 'ja'],
    // Han with no telling character: the server's language, when it reads Han, else Taiwan's.
    ['天氣', undefined, 'zh-TW'],
    ['天气', 'zh-CN', 'zh-CN'],
    ['東京天気', 'ja', 'ja'],
    // A Simplified character outweighs a Japanese server's default.
    ['东京天气怎么样', 'ja', 'zh-CN'],
    // A model name in Latin letters does not outweigh a Chinese question.
    ['gpt-4o-mini 是什麼', undefined, 'zh-TW'],
    // A Chinese name does not make an English question Chinese.
    ['please explain how 王小明 can set a budget for the whole server', undefined, 'en'],
    // Links, mentions and code are not prose.
    ['<@123456789012345678> https://example.com/some/long/english/path 這是什麼', undefined, 'zh-TW'],
    ['```js\nconst answer = 42;\n``` 這段程式碼有問題嗎', 'en-US', 'zh-TW'],
    // Nothing to read: the server's language.
    ['', 'ja', 'ja'],
    ['👍 🎉', 'zh-CN', 'zh-CN'],
    ['', 'fr', 'en'],
  ] as const)('%j in a server reading %s is read as %s', (text, serverLocale, expected) => {
    expect(languageOfMessage(text, serverLocale)).toBe(expected);
  });
});

test('the character sets that tell the two Chinese forms apart share no character', async () => {
  const { readFileSync } = await import('node:fs');
  const data = JSON.parse(readFileSync(new URL('../../locales/hanForms.json', import.meta.url), 'utf8')) as { traditionalOnly: string; simplifiedOnly: string };
  const traditional = new Set(data.traditionalOnly);
  expect(traditional.size).toBeGreaterThan(50);
  expect([...new Set(data.simplifiedOnly)].filter((character) => traditional.has(character))).toEqual([]);
});
