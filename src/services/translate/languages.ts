import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { findLocalesFolder, type CatalogueLanguage } from '../i18n.ts';
import { displayName, namesInReaderLanguages } from './names.ts';

/** A language /translate can translate into. */
export interface Language {
  /** Canonical BCP-47-style id, also the autocomplete value. */
  id: string;
  english: string;
  native: string;
  /** Other ways people write it: ISO 639-2/3 codes, regional tags, common names in English and Chinese. */
  aliases: readonly string[];
  /** Discord user locales that mean this language. */
  discordLocales: readonly string[];
  /** Extra guidance for the model when this is the target (script, region, variety). */
  instructions?: string;
}

/** The file in locales/ listing the languages: id, English and own name, aliases, Discord locales, guidance for the model. */
const LANGUAGES_FILE = 'languages.json';

const LANGUAGE_ENTRY = z.strictObject({
  id: z.string().min(1),
  english: z.string().min(1),
  native: z.string().min(1),
  aliases: z.array(z.string().min(1)),
  discordLocales: z.array(z.string()).default([]),
  instructions: z.string().min(1).optional(),
});

/**
 * The languages /translate knows, read once from locales/languages.json (data a translator can extend with the
 * names people type, without reading code), most commonly wanted first: an empty autocomplete query shows this order.
 * Bare "zh", "Chinese", "Mandarin" and their Chinese equivalents are ambiguous between scripts; this bot's
 * audience writes Traditional Chinese (zh-TW), so they mean Traditional here. zh-HK and zh-MO also
 * map to Traditional: Hong Kong and Macau write Traditional characters (spoken Cantonese is `yue`).
 * "Taiwanese" is deliberately not an alias of zh-TW: in Taiwan it names Taiwanese Hokkien (`nan`).
 */
export const LANGUAGES: readonly Language[] = loadLanguages();

function loadLanguages(): Language[] {
  const file = join(findLocalesFolder(), LANGUAGES_FILE);
  const parsed = z.array(LANGUAGE_ENTRY).min(1).safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`locales/${LANGUAGES_FILE} is not a valid list of languages: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Case, width, spacing, `_` vs `-` and Latin accents do not matter: "  zh_TW ", "ZH-tw" and "español" all match. */
export function normalizeName(input: string): string {
  return input
    .normalize('NFKD')
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1') // drop accents on Latin letters only; other scripts need their marks
    .normalize('NFC')
    .toLowerCase()
    .replace(/[()\uFF08\uFF09]/g, ' ') // ASCII and full-width parentheses
    .replace(/_/g, '-')
    .replace(/\s*-\s*/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Its id, names and aliases, and what ICU calls it in each reader language (the Japanese name finds German too). */
function namesOf(language: Language): string[] {
  return [language.id, language.english, language.native, ...language.aliases, ...namesInReaderLanguages(language.id)];
}

let byName: Map<string, Language> | undefined;

/**
 * Every name to its language, built at the first lookup (the warm-up after READY makes one): ICU's names in three
 * languages and the normalising of ~1,000 names were ~10 ms of every start, before Discord's READY.
 */
function namesTable(): Map<string, Language> {
  if (byName) return byName;
  const table = new Map<string, Language>();
  for (const language of LANGUAGES) {
    for (const name of namesOf(language)) {
      const key = normalizeName(name);
      const taken = table.get(key);
      // A name shared by two languages would make lookups depend on catalogue order; fail loudly instead.
      if (taken && taken !== language) throw new Error(`Language name "${name}" is used by both ${taken.id} and ${language.id}`);
      table.set(key, language);
    }
  }
  return (byName = table);
}

const ENGLISH = LANGUAGES[0] as Language;

export function findLanguage(input: string): Language | undefined {
  const key = normalizeName(input);
  if (!key) return undefined;
  // A pasted autocomplete label, "Japanese — (its own name) (ja)", carries its id at the end.
  const labelled = /\(([^()]+)\)$/.exec(input.trim())?.[1];
  const table = namesTable();
  return table.get(key) ?? table.get(key.replace(/ /g, '-')) ?? (labelled ? table.get(normalizeName(labelled)) : undefined);
}

/** The language of a Discord locale; anything unknown falls back to English. */
export function languageForLocale(locale: string | null | undefined): Language {
  if (!locale) return ENGLISH;
  const exact = LANGUAGES.find((language) => language.discordLocales.includes(locale));
  // Non-Discord tags still resolve sensibly: zh-HK through its alias, fr-CA through its base language.
  return exact ?? findLanguage(locale) ?? findLanguage(locale.split(/[-_]/)[0] ?? '') ?? ENGLISH;
}

export interface LanguageChoice {
  name: string;
  value: string;
}

/** Discord allows at most 25 autocomplete choices, each name and value at most 100 characters. */
export const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

/** The language's name for a reader: the catalogue's English name for English readers, else ICU's name in their language. */
export function languageName(language: Language, ui: CatalogueLanguage): string {
  return ui === 'en' ? language.english : displayName(language.id, ui) ?? language.english;
}

/** "German — Deutsch (de)": the name in the reader's language, the language's own name, and the id. */
export function choiceLabel(language: Language, ui: CatalogueLanguage = 'en'): string {
  const name = languageName(language, ui);
  const label = name === language.native ? `${name} (${language.id})` : `${name} — ${language.native} (${language.id})`;
  return Array.from(label).slice(0, MAX_CHOICE_LENGTH).join('');
}

/** 0 exact, 1 prefix, 2 substring, on the best-matching name; undefined when nothing matches. */
function rank(language: Language, query: string): number | undefined {
  let best: number | undefined;
  for (const name of namesOf(language)) {
    const key = normalizeName(name);
    const score = key === query ? 0 : key.startsWith(query) ? 1 : key.includes(query) ? 2 : undefined;
    if (score !== undefined && (best === undefined || score < best)) best = score;
  }
  return best;
}

/** Autocomplete choices: exact matches, then prefix, then substring matches; ties keep catalogue (popularity) order. */
export function suggestLanguages(query: string, limit = MAX_CHOICES, ui: CatalogueLanguage = 'en'): LanguageChoice[] {
  const max = Math.max(0, Math.min(limit, MAX_CHOICES));
  const key = normalizeName(query);
  const ranked = key
    ? LANGUAGES.map((language, order) => ({ language, order, score: rank(language, key) }))
        .filter((entry): entry is { language: Language; order: number; score: number } => entry.score !== undefined)
        .sort((a, b) => a.score - b.score || a.order - b.order)
        .map((entry) => entry.language)
    : LANGUAGES;
  return ranked.slice(0, max).map((language) => ({ name: choiceLabel(language, ui), value: language.id }));
}
