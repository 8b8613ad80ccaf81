import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueLanguageOf, findLocalesFolder, type CatalogueLanguage } from './i18n.ts';

/**
 * A message (a mention, a DM) carries no reader locale, unlike an interaction. The best sign of the language a
 * member reads is the one they just wrote in, so the bot's own texts (refusals, failures, notices) follow it;
 * the model's answer follows the question anyway. Only the scripts that decide clearly are read: kana is
 * Japanese, Han characters are Chinese in the form they are written, Latin letters are read as English
 * (every other Latin-script locale falls back to English too). A message with none of those (only an image,
 * a link, emoji) takes the server's language.
 */

const KANA = /[\u3040-\u30ff\u31f0-\u31ff]/g;
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
const LATIN_LETTER = /[A-Za-z\u00c0-\u024f]/g;
/** URLs, mentions, custom emoji and code are not prose: their letters say nothing about the writer's language. */
const NOT_PROSE = /https?:\/\/\S+|<[@#:a][^>]*>|```[\s\S]*?```|`[^`]*`/g;

/** Characters that tell Traditional from Simplified writing: data beside the catalogues, read on the first Han message. */
let hanForms: { traditionalOnly: Set<string>; simplifiedOnly: Set<string> } | undefined;
function forms(): NonNullable<typeof hanForms> {
  if (!hanForms) {
    const data = JSON.parse(readFileSync(join(findLocalesFolder(), 'hanForms.json'), 'utf8')) as { traditionalOnly: string; simplifiedOnly: string };
    hanForms = { traditionalOnly: new Set(data.traditionalOnly), simplifiedOnly: new Set(data.simplifiedOnly) };
  }
  return hanForms;
}

/** The longest prefix read: a long paste says no more about its writer than its first lines. */
const SAMPLE_CHARS = 2_000;

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/**
 * Chinese in the form written. Japanese kanji share many Traditional forms (東, 話, 記), so in a Japanese server
 * Han text without a Simplified-only character stays Japanese; with no telling character at all the server's
 * Chinese is kept, else Taiwan's (the readers this bot grew from).
 */
function hanLanguage(text: string, serverLanguage: CatalogueLanguage): CatalogueLanguage {
  const { traditionalOnly, simplifiedOnly } = forms();
  let traditional = 0;
  let simplified = 0;
  for (const character of text) {
    if (traditionalOnly.has(character)) traditional++;
    else if (simplifiedOnly.has(character)) simplified++;
  }
  if (serverLanguage === 'ja' && simplified === 0) return 'ja';
  if (simplified > traditional) return 'zh-CN';
  if (traditional > simplified) return 'zh-TW';
  return serverLanguage === 'zh-CN' ? 'zh-CN' : 'zh-TW';
}

/** The catalogue language to answer a message in: the script it is written in, else the server's locale. */
export function languageOfMessage(text: string, serverLocale: string | null | undefined): CatalogueLanguage {
  const serverLanguage = catalogueLanguageOf(serverLocale);
  const prose = text.slice(0, SAMPLE_CHARS).replace(NOT_PROSE, ' ');
  // Japanese writes Han characters too: any kana at all makes it Japanese.
  if (count(prose, KANA) > 0) return 'ja';
  const han = count(prose, HAN);
  const latin = count(prose, LATIN_LETTER);
  // A CJK character carries about a word, a Latin letter a fraction of one: weigh them so a name in the other script doesn't decide.
  if (han > 0 && han * 3 >= latin) return hanLanguage(prose, serverLanguage);
  if (latin > 0) return 'en';
  return serverLanguage;
}
