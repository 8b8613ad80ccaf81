import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction } from '../support/fakeDiscord.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

type ChatBody = { messages: { role: string; content: string }[]; max_completion_tokens?: number };
const lastChat = () => h.openai.chat.lastRequest as ChatBody;
const systemPrompt = () => lastChat().messages[0]!.content;
const userText = () => lastChat().messages.at(-1)!.content;
const chatCalls = () => h.openai.requestsTo('/v1/chat/completions').length;
const flagsOf = (i: FakeInteraction) => (i.callbacks[0]?.data as { flags?: number } | undefined)?.flags ?? 0;

type LedgerRow = { command: string; state: string; charged_micros: number; reserved_micros: number; input_tokens: number | null; output_tokens: number | null };
const lastLedgerRow = () => h.bot.ctx.db.prepare('SELECT * FROM ledger ORDER BY id DESC LIMIT 1').get() as LedgerRow;

async function translate(options: Record<string, string>, spec: Parameters<BotHarness['command']>[2] = {}): Promise<FakeInteraction> {
  const i = h.command('translate', options, spec);
  await h.settled(i);
  return i;
}

describe('/translate target language', () => {
  test.each([
    { name: 'the `to` code', to: 'ja', locale: 'en-US', expected: 'Japanese (日本語, language code ja)' },
    { name: 'the `to` name in the language itself', to: '日本語', locale: 'en-US', expected: 'Japanese (日本語, language code ja)' },
    { name: 'the `to` name in Chinese', to: '繁體中文', locale: 'en-US', expected: 'Traditional Chinese (繁體中文, language code zh-TW)' },
    { name: 'locale zh-TW means Traditional Chinese', to: undefined, locale: 'zh-TW', expected: 'Traditional Chinese (繁體中文, language code zh-TW)' },
    { name: 'locale en-US', to: undefined, locale: 'en-US', expected: 'English (English, language code en)' },
    { name: 'locale ja', to: undefined, locale: 'ja', expected: 'Japanese (日本語, language code ja)' },
  ])('$name', async ({ to, locale, expected }) => {
    h.openai.chat.enqueue({ text: 'SOURCE: Korean | ko\n---\ntranslated words' });
    const i = await translate({ text: '안녕하세요, 반갑습니다', ...(to ? { to } : {}) }, { locale });
    expect(systemPrompt()).toContain(`into ${expected}.`);
    expect(i.transcript()).toHaveLength(1);
    expect(i.transcript()[0]).toMatch(/translated words$/);
  });

  test('the server default beats the locale, and `to` beats the server default', async () => {
    h.bot.ctx.services.settings.setTranslateLanguage(DEFAULT_GUILD_ID, 'ko');
    try {
      h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\n안녕' }, { text: 'SOURCE: English | en\n---\nBonjour' });
      await translate({ text: 'Hello' }, { locale: 'zh-TW' });
      expect(systemPrompt()).toContain('into Korean (한국어, language code ko).');
      await translate({ text: 'Hello', to: 'French' }, { locale: 'zh-TW' });
      expect(systemPrompt()).toContain('into French (Français, language code fr).');
    } finally {
      h.bot.ctx.services.settings.setTranslateLanguage(DEFAULT_GUILD_ID, null);
    }
  });

  test('an unknown language is refused privately, with how to write one, and no model call', async () => {
    const i = await translate({ text: 'Hello', to: 'Klingonese' });
    expect(i.callbacks[0]!.type).toBe(4);
    expect(flagsOf(i) & 64).toBe(64);
    expect(i.transcript()[0]).toContain('I don\'t know the language "Klingonese"');
    expect(i.transcript()[0]).toContain('`ja`');
    expect(chatCalls()).toBe(0);
  });

  test('autocomplete on `to` suggests languages by code, English and native names', async () => {
    const ask = async (to: string) => {
      const i = h.discord.sendInteraction({ kind: 'autocomplete', commandName: 'translate', guildId: DEFAULT_GUILD_ID, options: { text: 'hi', to }, focused: 'to' });
      await i.waitFor((x) => x.autocompleteChoices !== undefined);
      return i.autocompleteChoices!;
    };
    expect((await ask('jap'))[0]).toEqual({ name: 'Japanese — 日本語 (ja)', value: 'ja' });
    expect((await ask('繁'))[0]?.value).toBe('zh-TW');
    const all = await ask('');
    expect(all).toHaveLength(25);
    expect(all.slice(0, 3).map((c) => c.value)).toEqual(['en', 'zh-TW', 'zh-CN']);
  });
});

describe('/translate reply', () => {
  test('formatting reaches the model intact, code is masked and restored exactly, and the source language is named', async () => {
    const code = '```js\nconst greeting = "hello"; // say hi\n```';
    const text = `**Hello** <@123456789012345678>! 👋 <:wave:111111111111111111>\nSee [the docs](https://example.com/docs) and run \`npm test\`.\n\n${code}\n> quoted line`;
    // What a model does with the placeholders: keeps them where they belong, once each.
    const translated = '**こんにちは** <@123456789012345678>! 👋 <:wave:111111111111111111>\n参照 [the docs](https://example.com/docs) and run ⟦CODE0⟧.\n\n⟦CODE1⟧\n> 引用行';
    h.openai.chat.enqueue({ text: `SOURCE: English | en\n---\n${translated}` });
    const i = await translate({ text, to: 'ja' });
    const sent = userText();
    expect(sent).toContain('**Hello** <@123456789012345678>! 👋 <:wave:111111111111111111>\nSee [the docs](https://example.com/docs)');
    expect(sent).toContain('\n\n⟦CODE1⟧\n> quoted line');
    expect(sent).toContain('run ⟦CODE0⟧.');
    expect(sent).not.toContain('const greeting');
    expect(sent).not.toContain('npm test');
    const [reply] = i.transcript();
    expect(reply).toBe(`-# 🌐 Translated from English into Japanese\n**こんにちは** <@123456789012345678>! 👋 <:wave:111111111111111111>\n参照 [the docs](https://example.com/docs) and run \`npm test\`.\n\n${code}\n> 引用行`);
    expect(i.originalEdits.at(-1)!.body.allowed_mentions).toEqual({ parse: [] });
  });

  test.each([
    { locale: 'zh-TW', source: 'Korean | ko', to: undefined, header: '-# 🌐 從韓文翻譯成繁體中文' },
    { locale: 'zh-CN', source: 'Korean | ko', to: undefined, header: '-# 🌐 从韩语翻译成简体中文' },
    { locale: 'ja', source: 'Korean | ko', to: undefined, header: '-# 🌐 韓国語から日本語に翻訳しました' },
    { locale: 'ja', source: 'Klingon | tlh', to: 'en', header: '-# 🌐 クリンゴン語から英語に翻訳しました' },
    { locale: 'zh-TW', source: 'Elvish', to: 'en', header: '-# 🌐 從 Elvish 翻譯成英文' },
  ])('a $locale reader sees the header with language names in $locale ($source)', async ({ locale, source, to, header }) => {
    h.openai.chat.enqueue({ text: `SOURCE: ${source}\n---\n你好` });
    const i = await translate({ text: '안녕하세요', ...(to ? { to } : {}) }, { locale });
    expect(i.transcript()).toEqual([`${header}\n你好`]);
  });

  test.each([
    { locale: 'zh-CN', says: '这段文字已经是英语，不需要翻译。' },
    { locale: 'ja', says: 'このテキストはすでに英語なので、翻訳の必要はありません。' },
  ])('the same-language reply reads right in $locale', async ({ locale, says }) => {
    h.openai.chat.enqueue({ text: 'SAME' });
    expect((await translate({ text: 'Already English.', to: 'en' }, { locale })).transcript()).toEqual([says]);
  });

  test.each([
    { locale: 'zh-CN', starts: '我不认识“Quenya”这个语言。\n请用语言代码' },
    { locale: 'ja', starts: '「Quenya」という言語はわかりません。\n言語は、言語コード' },
  ])('an unknown `to` is explained in $locale', async ({ locale, starts }) => {
    const i = await translate({ text: 'Hello', to: 'Quenya' }, { locale });
    expect(i.transcript()[0]!.startsWith(starts)).toBe(true);
    expect(chatCalls()).toBe(0);
  });

  test('text already in the target language is said so privately, not "translated"', async () => {
    h.openai.chat.enqueue({ text: 'SAME' });
    const i = await translate({ text: 'This is already English.', to: 'en' });
    expect(i.transcript()).toEqual(['This text is already in English, so there is nothing to translate.']);
    expect(i.followUps[0]!.flags! & 64).toBe(64);
    expect(lastLedgerRow()).toMatchObject({ command: 'translate', state: 'settled' });
  });

  test('text that is only code, links and mentions is not sent to the model', async () => {
    const i = await translate({ text: '<@123456789012345678> `npm test` https://example.com', to: 'ja' });
    expect(i.transcript()).toEqual(['There is nothing to translate: the text holds only code, links, mentions or emoji.']);
    expect(chatCalls()).toBe(0);
  });

  test('a translation over 2,000 characters continues in follow-ups', async () => {
    const long = Array.from({ length: 60 }, (_, n) => `Line ${n}: this sentence was translated into English.`).join('\n');
    h.openai.chat.enqueue({ text: `SOURCE: French | fr\n---\n${long}` });
    const i = await translate({ text: 'Bonjour tout le monde', to: 'en' });
    const messages = i.transcript();
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const m of messages) expect([...m].length).toBeLessThanOrEqual(2000);
    expect(messages[0]!.startsWith('-# 🌐 Translated from French into English\nLine 0:')).toBe(true);
    expect(messages.join('\n')).toContain('Line 59: this sentence was translated into English.');
    for (const f of i.followUps) expect(f.flags ?? 0).toBe(0);
  });

  test('a translation is charged from its usage; a failed one is released and explained', async () => {
    h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\nHallo', usage: { prompt_tokens: 500, completion_tokens: 20 } });
    await translate({ text: 'Hello', to: 'de' });
    const settled = lastLedgerRow();
    expect(settled).toMatchObject({ command: 'translate', state: 'settled', input_tokens: 500, output_tokens: 20 });
    expect(settled.charged_micros).toBeGreaterThan(0);
    expect(settled.charged_micros).toBeLessThan(settled.reserved_micros);

    h.openai.chat.enqueue({ error: 'insufficient_quota' });
    const failed = await translate({ text: 'Hello', to: 'de' });
    expect(lastLedgerRow()).toMatchObject({ command: 'translate', state: 'released', charged_micros: 0 });
    expect(failed.transcript()).toEqual([expect.stringContaining('OpenAI account is out of credit')]);
  });
});

describe('a translation OpenAI may have read without answering', () => {
  test.each([
    ['en-US', 'The connection to the AI service dropped after the question was sent, before any answer arrived. Please try again.'],
    ['zh-TW', '問題送出後、回答開始前，與 AI 服務的連線中斷了。請再試一次。'],
  ])('a connection dropped after sending (%s) is not sent again and is charged its prompt', async (locale, reply) => {
    h.openai.chat.enqueue({ drop: true }, { text: 'SOURCE: English | en\n---\nA second, billed translation' });
    const i = await translate({ text: 'Hello', to: 'de' }, { locale });
    expect(i.transcript().join('\n') + i.callbacks.map((c) => (c.data as { content?: string } | undefined)?.content ?? '').join('')).toContain(reply);
    expect(chatCalls()).toBe(1);
    const row = lastLedgerRow();
    expect(row).toMatchObject({ command: 'translate', state: 'settled', output_tokens: 0 });
    expect(row.input_tokens).toBeGreaterThan(0);
    expect(row.charged_micros).toBeGreaterThan(0);
  });
});

describe('Translate message menu', () => {
  const menu = (targetMessage: { content?: string; embeds?: object[]; attachments?: { filename: string }[] }, locale = 'zh-TW') =>
    h.discord.sendInteraction({ kind: 'messageContextMenu', commandName: 'Translate', guildId: DEFAULT_GUILD_ID, locale, targetMessage });

  test('is registered as a message command named exactly "Translate"', () => {
    const registered = h.discord.commands(DEFAULT_GUILD_ID).find((c) => c.name === 'Translate');
    expect(registered?.type).toBe(3);
    expect(registered?.name_localizations).toEqual({ 'zh-TW': '翻譯', 'zh-CN': '翻译', ja: '翻訳' });
  });

  test('a long translation continues in follow-ups as private as its deferred reply', async () => {
    const long = Array.from({ length: 80 }, (_, n) => `第 ${n} 行：這句話已譯成中文，並且寫得夠長以便分成好幾則訊息，每一行都一樣長。`).join('\n');
    h.openai.chat.enqueue({ text: `SOURCE: English | en\n---\n${long}` });
    const i = menu({ content: 'Good morning, everyone' });
    await h.settled(i);
    expect(flagsOf(i) & 64).toBe(64);
    expect(i.transcript().length).toBeGreaterThanOrEqual(2);
    expect(i.followUps.length).toBeGreaterThanOrEqual(1);
    for (const f of i.followUps) expect((f.flags ?? 0) & 64).toBe(64);
  });

  test('translates a message\'s text into the invoker\'s language, privately', async () => {
    h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\n早安，大家好' });
    const i = menu({ content: 'Good morning, everyone' });
    await h.settled(i);
    expect(i.callbacks[0]!.type).toBe(5);
    expect(flagsOf(i) & 64).toBe(64);
    expect(systemPrompt()).toContain('into Traditional Chinese');
    expect(userText()).toContain('\nGood morning, everyone\n');
    expect(i.transcript()).toEqual(['-# 🌐 從英文翻譯成繁體中文\n早安，大家好']);
  });

  test('a message with only an embed is translated from the embed\'s text', async () => {
    h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\n公告' });
    const i = menu({ content: '', embeds: [{ title: 'Announcement', description: 'The server restarts tonight.', fields: [{ name: 'When', value: '22:00 UTC' }], footer: { text: 'The admins' } }] });
    await h.settled(i);
    expect(userText()).toContain('**Announcement**\n\nThe server restarts tonight.\n\n**When**\n22:00 UTC\n\nThe admins');
    expect(i.transcript()).toEqual(['-# 🌐 從英文翻譯成繁體中文\n公告']);
  });

  test('a message with nothing to translate gets a clear private reply and no model call', async () => {
    const i = menu({ content: '', attachments: [{ filename: 'cat.png' }] }, 'en-US');
    await h.settled(i);
    expect(i.callbacks[0]!.type).toBe(4);
    expect(flagsOf(i) & 64).toBe(64);
    expect(i.transcript()).toEqual(['This message has no text to translate (only attachments, stickers or other media).']);
    expect(chatCalls()).toBe(0);
  });
});
