import { describeFailure, type Language } from '../failureMessages.ts';
import { textTable } from '../i18n.ts';
import { relativeTime } from '../budget/messages.ts';
import type { Refusal } from '../budget/ledger.ts';
import { MAX_TRANSCRIPTION_BYTES } from '../audio/limits.ts';
import { formatUsd } from '../pricing/index.ts';
import type { TranscribeResult } from './service.ts';

const TEXT = {
  tooLarge: {
    en: 'That file is {size}; the transcription service takes at most {max}. Try a shorter or more compressed recording.',
    'zh-TW': '這個檔案有 {size}；轉錄服務最多只接受 {max}。請改用較短或壓縮過的錄音。',
  },
  empty: { en: 'That file is empty, so there is nothing to transcribe.', 'zh-TW': '這個檔案是空的，沒有內容可以轉錄。' },
  notAudio: {
    en: "That's not an audio file I can read ({detail}). I can transcribe flac, mp3, mp4, m4a, ogg, wav and webm.",
    'zh-TW': '這不是我能讀取的音訊檔。我可以轉錄 flac、mp3、mp4、m4a、ogg、wav 和 webm。',
  },
  unsupported: {
    en: "I can't transcribe that audio format ({detail}). Please convert it to mp3, m4a, ogg, wav or flac.",
    'zh-TW': '我無法轉錄這種音訊格式。請先轉換成 mp3、m4a、ogg、wav 或 flac。',
  },
  unreadable: {
    en: "I couldn't read that audio file: it may be damaged or cut off. Please try exporting it again.",
    'zh-TW': '無法讀取這個音訊檔：檔案可能已損壞或不完整，請重新匯出後再試。',
  },
  downloadFailed: { en: "I couldn't download the file from Discord. Please try again.", 'zh-TW': '無法從 Discord 下載檔案，請再試一次。' },
  noSpeech: { en: 'No speech found in this recording.', 'zh-TW': '這段錄音中沒有偵測到語音。' },
  noAudio: {
    en: 'That message has no voice message or audio attachment to transcribe.',
    'zh-TW': '這則訊息沒有可以轉錄的語音訊息或音訊附件。',
  },
  attached: { en: 'The transcript is {n} characters long, so it is attached as a text file.', 'zh-TW': '逐字稿共 {n} 個字元，已附加為文字檔。' },
  badLanguage: {
    en: '"{input}" is not a language the transcription service understands. Use a two-letter code such as `en`, `zh` or `ja`, or leave it empty to detect the language.',
    'zh-TW': '轉錄服務無法辨識「{input}」這個語言。請使用兩個字母的語言代碼，例如 `en`、`zh` 或 `ja`，或留空讓系統自動偵測。',
  },
  lengthMismatch: {
    en: "I didn't transcribe that file: it says it is {stated} long, but the audio in it runs {measured}. Files like that are usually damaged or edited exports, and I can't price them safely. Please export the recording again and retry.",
    'zh-TW': '我沒有轉錄這個檔案：它標示的長度是 {stated}，但其中的音訊實際約有 {measured}。這通常是匯出時損壞或被修改過的檔案，我無法安全地估算費用。請重新匯出錄音後再試一次。',
  },
  paidFailure: {
    en: "The transcription service didn't finish in time (or the connection dropped), so I stopped waiting. It may have done the work anyway, and that is billed, so {amount} was charged to you. A shorter recording is more likely to finish.",
    'zh-TW': '轉錄服務沒有及時完成（或連線中斷），所以我停止等待。服務可能已經處理並計費，因此向你收取了 {amount}。較短的錄音比較容易順利完成。',
  },
  lateDelivery: {
    en: 'Your transcript of **{file}** took longer than Discord keeps a command open (15 minutes), so here it is by direct message. It was charged as usual.',
    'zh-TW': '你的 **{file}** 逐字稿花費的時間超過 Discord 保留指令回覆的時限（15 分鐘），所以改用私訊傳給你。費用照常計算。',
  },
  voiceOverBudget: {
    en: '🔇 Not transcribed: you have reached your spending limit. It resets {reset}; `/usage` shows the details.',
    'zh-TW': '🔇 未轉錄：你已達使用上限，額度將於 {reset} 重設；可用 `/usage` 查看詳情。',
  },
} satisfies Record<string, Record<Language, string>>;

export type TranscriptionText = keyof typeof TEXT;

export const text = textTable<TranscriptionText>(TEXT);

/** "45 s", "2 min 5 s", "2 h 0 min" (秒, 分, 小時 in zh-TW). */
export function duration(seconds: number, language: Language): string {
  const s = Math.max(1, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const zh = language === 'zh-TW';
  if (h > 0) return zh ? `${h} 小時 ${m} 分` : `${h} h ${m} min`;
  if (m > 0) return zh ? `${m} 分 ${r} 秒` : `${m} min ${r} s`;
  return zh ? `${r} 秒` : `${r} s`;
}

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * The plain-words reply for a transcription that produced no text (over budget is the caller's: it differs by place).
 * Only the curated format sentences reach people; parser and network details stay in the log.
 */
export function describeTranscriptionFailure(result: Exclude<TranscribeResult, { ok: true } | { reason: 'over_budget' }>, language: Language, model: string): string {
  switch (result.reason) {
    case 'too_large': return text('tooLarge', language, { size: megabytes(result.size), max: megabytes(MAX_TRANSCRIPTION_BYTES) });
    case 'empty': return text('empty', language);
    case 'not_audio': return text('notAudio', language, { detail: result.detail });
    case 'unsupported': return text('unsupported', language, { detail: result.detail });
    case 'unreadable': return text('unreadable', language);
    case 'download_failed': return text('downloadFailed', language);
    case 'length_mismatch': return text('lengthMismatch', language, { stated: duration(result.statedSeconds, language), measured: duration(result.measuredSeconds, language) });
    case 'model_failed':
      return result.chargedMicros > 0 ? text('paidFailure', language, { amount: formatUsd(result.chargedMicros) }) : describeFailure(result.failure, language, model);
  }
}

/** The short notice under a voice message whose speaker is over their limit. */
export function voiceOverBudgetNotice(refusal: Refusal, language: Language): string {
  return text('voiceOverBudget', language, { reset: relativeTime(refusal.resetsAt) });
}
