/** What /operator, the allow-list and the bot-limit notices say: locales/<language>/operator.json. */
import { catalogue } from '../i18n.ts';

export const operatorText = catalogue('operator');
