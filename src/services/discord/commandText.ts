import type { LocalizationMap } from 'discord.js';
import { localizations, t, type TextValues } from '../i18n.ts';

/** A discord.js builder that takes a description (commands, subcommands, groups, options). */
interface Describable<T> {
  setDescription(description: string): T;
  setDescriptionLocalizations(localized: LocalizationMap | null): T;
}

/** Sets a command field's description from a catalogue: English for Discord's default, the other catalogues as localizations. */
export function described<T extends Describable<T>>(builder: T, namespace: string, key: string, values?: TextValues): T {
  return builder.setDescription(t('en', namespace, key, values)).setDescriptionLocalizations(localizations(namespace, key, values));
}

/** A choice of a string option, its shown name read from a catalogue; the value stays what the code reads. */
export function choice<V extends string>(namespace: string, key: string, value: V): { name: string; value: V; name_localizations: LocalizationMap } {
  return { name: t('en', namespace, key), value, name_localizations: localizations(namespace, key) };
}
