import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import type { Setting } from '../settings.ts';
import type { ReasoningEffort } from './models.ts';

const text = catalogue<'overview' | 'modelDefault'>('reasoning');

/** The reasoning-effort line of `/settings show`. */
export function effortOverviewLine(setting: Setting<ReasoningEffort | 'default'>, source: string, language: CatalogueLanguage): string {
  return text('overview', language, { effort: setting.value === 'default' ? text('modelDefault', language) : `\`${setting.value}\``, source });
}
