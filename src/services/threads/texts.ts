import { catalogue, t, type CatalogueLanguage } from '../i18n.ts';

export const threadText = catalogue<
  | 'fallbackName' | 'noPermission' | 'notHere' | 'autoThreadOn' | 'autoThreadOff' | 'autoThreadNotHere' | 'forumAnswersOn' | 'forumAnswersOff'
  | 'notForum' | 'missingPermissions' | 'missingForumPermissions' | 'inactiveConfig' | 'inactiveIntent' | 'show' | 'showForums' | 'showForumsNone'
>('threads');

/** Permission names as Discord's own settings show them in that language (discord.js gives their flag names). */
export function permissionNames(missing: readonly string[], language: CatalogueLanguage): string {
  return missing.map((name) => {
    try {
      return `**${t(language, 'threads', `permission.${name}`)}**`;
    } catch {
      return `**${name}**`;
    }
  }).join(', ');
}
