/** What /operator, the allow-list and the bot-limit notices say (English and Traditional Chinese). */
import { textTable, type Texts } from '../i18n.ts';

const TEXT = {
  notOwner: {
    en: '`/operator` is only for the person who runs this bot (the owner of its Discord application).',
    'zh-TW': '`/operator` 只限架設這個機器人的人（Discord 應用程式的擁有者）使用。',
  },
  ownerUnknown: {
    en: "I couldn't check who owns this bot with Discord just now. Please try again in a moment.",
    'zh-TW': '目前無法向 Discord 確認機器人的擁有者，請稍後再試。',
  },
  badServerId: { en: '`{id}` is not a server ID (17 to 20 digits). Nothing was changed.', 'zh-TW': '`{id}` 不是伺服器 ID（17 到 20 位數字）。沒有做任何變更。' },
  ceilingSet: { en: 'Ceiling for server `{id}`{name}: **{limit}** (UTC periods).', 'zh-TW': '伺服器 `{id}`{name} 的上限：**{limit}**（UTC 週期）。' },
  ceilingLifted: { en: 'Server `{id}`{name} now has no ceiling: only the member and bot limits bound it.', 'zh-TW': '伺服器 `{id}`{name} 現在沒有上限：只受每人與機器人總額度限制。' },
  ceilingDefault: { en: 'Server `{id}`{name} is back to the default ceiling: {limit}.', 'zh-TW': '伺服器 `{id}`{name} 恢復為預設上限：{limit}。' },
  unlimited: { en: 'unlimited', 'zh-TW': '無上限' },
  thisHostOnly: {
    en: "The ledger coordinator (LEDGER_URL) could not be reached: the figures below are this host's only, not the whole bot's.",
    'zh-TW': '無法連上花費協調主機（LEDGER_URL）：以下數字只是這台主機的，不是整個機器人的。',
  },
  left: { en: 'Left server `{id}`{name}. It can no longer use the bot.', 'zh-TW': '已離開伺服器 `{id}`{name}，它無法再使用機器人。' },
  notInServer: { en: "The bot is not in server `{id}`. Nothing was changed.", 'zh-TW': '機器人不在伺服器 `{id}` 中。沒有做任何變更。' },
  leaveFailed: { en: "Discord didn't let the bot leave server `{id}` just now. Please try again.", 'zh-TW': 'Discord 目前無法讓機器人離開伺服器 `{id}`，請再試一次。' },
  allowed: { en: 'Server `{id}` is now on the allow-list (kept in the database, next to ALLOWED_GUILD_IDS).', 'zh-TW': '伺服器 `{id}` 已加入允許清單（存於資料庫，與 ALLOWED_GUILD_IDS 並用）。' },
  alreadyAllowed: { en: 'Server `{id}` was already on the allow-list.', 'zh-TW': '伺服器 `{id}` 早已在允許清單中。' },
  noAllowList: {
    en: 'No allow-list is in use (ALLOWED_GUILD_IDS is empty): every server may already invite the bot, each under its ceiling. Set ALLOWED_GUILD_IDS in .env to use one.',
    'zh-TW': '目前沒有使用允許清單（ALLOWED_GUILD_IDS 為空）：任何伺服器都能邀請機器人，各自受伺服器上限約束。要使用允許清單，請在 .env 設定 ALLOWED_GUILD_IDS。',
  },
  notice80: {
    en: '⚠️ The bot has spent **{spent}** of its limit of **{limit}** ({percent} %) this period. It resets {resets}. Raise BOT_LIMIT_USD in .env if that is expected.',
    'zh-TW': '⚠️ 機器人本期已花費 **{spent}**，總額度為 **{limit}**（{percent}%），將於 {resets} 重設。如屬正常，請調高 .env 中的 BOT_LIMIT_USD。',
  },
  notice100: {
    en: '🛑 The bot has reached its limit of **{limit}** this period (**{spent}** spent): paid commands are refused for everyone until it resets {resets}. Raise BOT_LIMIT_USD in .env and restart to lift it.',
    'zh-TW': '🛑 機器人本期已達總額度 **{limit}**（已花費 **{spent}**）：在 {resets} 重設前，所有人的付費指令都會被拒絕。調高 .env 中的 BOT_LIMIT_USD 並重新啟動即可解除。',
  },
} satisfies Record<string, Texts>;

export const operatorText = textTable<keyof typeof TEXT>(TEXT);
