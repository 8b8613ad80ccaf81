import { describeFailure, type Language } from '../failureMessages.ts';
import type { ModelFailure } from '../openai/failures.ts';
import { formatUsd } from '../pricing/index.ts';
import type { ImagePlan, PlanProblem } from './options.ts';
import { textTable, type Texts } from '../i18n.ts';


const TEXT = {
  progress: { en: '🎨 Generating {count} with `{model}` ({size}, {quality})…', 'zh-TW': '🎨 正在用 `{model}` 產生 {count}（{size}，{quality}）…' },
  one: { en: '1 image', 'zh-TW': '1 張圖片' },
  many: { en: '{n} images', 'zh-TW': '{n} 張圖片' },
  prompt: { en: '**Prompt:** {text}', 'zh-TW': '**提示詞：** {text}' },
  revised: { en: '**Revised prompt:** {text}', 'zh-TW': '**改寫後的提示詞：** {text}' },
  revisedNumbered: { en: '**Revised prompt {n}:** {text}', 'zh-TW': '**改寫後的提示詞 {n}：** {text}' },
  footer: { en: '-# {size} · quality {quality} · {count} · cost {cost}', 'zh-TW': '-# {size} · 品質 {quality} · {count} · 費用 {cost}' },
  partial: { en: '-# ⚠️ Only {made} of {asked} images were made: {reason}', 'zh-TW': '-# ⚠️ 只產生了 {asked} 張中的 {made} 張：{reason}' },
  refused: {
    en: "OpenAI's safety system refused this prompt, so no image was made and nothing was charged. Please rephrase it and try again.",
    'zh-TW': 'OpenAI 的安全系統拒絕了這個提示詞，因此沒有產生圖片，也沒有收費。請換個說法再試一次。',
  },
  noAnswer: {
    en: '{reason}, so I have no image to show. The request had already reached OpenAI, which may have made and billed it, so you were charged {cost}: the most this request could cost. Please try again later.',
    'zh-TW': '{reason}，因此沒有圖片可以顯示。請求已送達 OpenAI，對方可能已產生圖片並收費，所以已向你收取 {cost}（這個請求最多可能的費用）。請稍後再試。',
  },
  billedAnyway: { en: 'OpenAI billed this request, so you were charged {cost}.', 'zh-TW': 'OpenAI 已對這個請求計費，所以已向你收取 {cost}。' },
  noAnswerTimeout: { en: 'The image service did not answer in time', 'zh-TW': '圖片服務沒有及時回應' },
  noAnswerDropped: { en: 'The connection to the image service dropped after the request was sent', 'zh-TW': '請求送出後，與圖片服務的連線中斷了' },
  unansweredNote: {
    en: '-# {n} of the images asked got no answer; OpenAI may have made and billed them, so they are in the cost.',
    'zh-TW': '-# 有 {n} 張圖片的請求沒有回應；OpenAI 可能已產生並收費，所以已計入費用。',
  },
  lateResult: {
    en: 'Your `/imagine` result could no longer be posted where you asked for it (Discord lets the bot answer a command only within 15 minutes), so here it is. It was charged: {cost}.',
    'zh-TW': '你的 `/imagine` 結果已無法貼在原本的地方（Discord 只允許機器人在指令後 15 分鐘內回覆），所以在這裡給你。已收費：{cost}。',
  },
  lateFailure: {
    en: 'About your `/imagine` request (Discord no longer let me answer it where you asked):',
    'zh-TW': '關於你的 `/imagine` 請求（Discord 已不允許我在原本的地方回覆）：',
  },
  refusedSome: { en: "OpenAI's safety system refused the rest.", 'zh-TW': 'OpenAI 的安全系統拒絕了其餘的圖片。' },
  noPrice: {
    en: 'The image model `{model}` has no price in the bot\'s pricing table, so it cannot be used. A server admin needs to set IMAGE_MODEL to dall-e-2, dall-e-3, gpt-image-1 or gpt-image-1-mini, or add its prices with PRICING_FILE.',
    'zh-TW': '圖片模型 `{model}` 不在機器人的價格表中，因此無法使用。請管理員把 IMAGE_MODEL 設為 dall-e-2、dall-e-3、gpt-image-1 或 gpt-image-1-mini，或用 PRICING_FILE 加上它的價格。',
  },
  badSize: { en: '`{model}` cannot make {size} images. Sizes it accepts: {sizes}.', 'zh-TW': '`{model}` 無法產生 {size} 的圖片。可用的尺寸：{sizes}。' },
  badQuality: {
    en: '`{model}` has no quality `{quality}` at {size}. Qualities it accepts at that size: {qualities}.',
    'zh-TW': '`{model}` 在 {size} 沒有 `{quality}` 品質。這個尺寸可用的品質：{qualities}。',
  },
  emptyPrompt: { en: 'Please describe the image after `prompt:`.', 'zh-TW': '請在 `prompt:` 後面描述你想要的圖片。' },
  promptTooLong: { en: 'Your prompt is {length} characters long; `{model}` accepts at most {max}. Please shorten it.', 'zh-TW': '你的提示詞有 {length} 個字元；`{model}` 最多只接受 {max} 個。請縮短內容。' },
} satisfies Record<string, Texts>;

const fill = textTable<keyof typeof TEXT>(TEXT);

const codeList = (items: readonly string[]) => items.map((item) => `\`${item}\``).join(', ');
const countText = (n: number, language: Language) => (n === 1 ? fill('one', language) : fill('many', language, { n }));

export function progressText(plan: ImagePlan, language: Language): string {
  return fill('progress', language, { count: countText(plan.count, language), model: plan.model, size: plan.size, quality: plan.quality });
}

export function planProblemText(problem: PlanProblem, language: Language): string {
  switch (problem.kind) {
    case 'no-price': return fill('noPrice', language, { model: problem.model });
    case 'bad-size': return fill('badSize', language, { model: problem.model, size: problem.size, sizes: codeList(problem.sizes) });
    case 'bad-quality': return fill('badQuality', language, { model: problem.model, size: problem.size, quality: problem.quality, qualities: codeList(problem.qualities) });
    case 'prompt-too-long': return fill('promptTooLong', language, { model: problem.model, length: problem.length, max: problem.max });
    case 'empty-prompt': return fill('emptyPrompt', language);
  }
}

/**
 * A refusal is said plainly (the prompt was refused, nothing charged); a request that got no answer says it
 * may have been billed and what was charged; every other failure as /ask says it.
 */
export function imageFailureText(failure: ModelFailure, language: Language, model: string, chargedMicros = 0): string {
  const cost = formatUsd(chargedMicros);
  if (chargedMicros > 0 && (failure.kind === 'timeout' || failure.kind === 'network')) {
    return fill('noAnswer', language, { reason: fill(failure.kind === 'timeout' ? 'noAnswerTimeout' : 'noAnswerDropped', language), cost });
  }
  const text = failure.kind === 'refused' ? fill('refused', language) : describeFailure(failure, language, model);
  return chargedMicros > 0 ? `${text} ${fill('billedAnyway', language, { cost })}` : text;
}

/** Why only some images came; `unanswered` images got no answer and are charged as if made. */
export function partialText(made: number, asked: number, failure: ModelFailure, language: Language, model: string, unanswered = 0): string {
  const reason = failure.kind === 'refused' ? fill('refusedSome', language) : describeFailure(failure, language, model);
  const line = fill('partial', language, { made, asked, reason });
  return unanswered > 0 ? `${line}\n${fill('unansweredNote', language, { n: unanswered })}` : line;
}

export const lateResultText = (chargedMicros: number, language: Language) => fill('lateResult', language, { cost: formatUsd(chargedMicros) });
export const lateFailureText = (language: Language) => fill('lateFailure', language);

export interface CaptionParts {
  prompt: string;
  revisedPrompts: string[];
  plan: ImagePlan;
  made: number;
  chargedMicros: number;
}

export const promptLine = (text: string, language: Language) => fill('prompt', language, { text });
export const revisedLine = (text: string, n: number | undefined, language: Language) =>
  (n === undefined ? fill('revised', language, { text }) : fill('revisedNumbered', language, { n, text }));

export function footerLine(parts: CaptionParts, language: Language): string {
  return fill('footer', language, { size: parts.plan.size, quality: parts.plan.quality, count: countText(parts.made, language), cost: formatUsd(parts.chargedMicros) });
}
