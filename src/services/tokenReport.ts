/** `/tokens`: what a text weighs for a model and what it would cost, like the tutorial's token calculator. */
import type { Language } from './failureMessages.ts';
import { formatUsd, type Pricing } from './pricing/index.ts';
import { MESSAGE_OVERHEAD_TOKENS, UNKNOWN_MODEL_TOKEN_SAFETY, tokenizerOf, type TokenCounter, type Tokenizer } from './tokens.ts';

export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'estimate';

export interface TokenReport {
  model: string;
  /** The text alone, without the chat format's framing tokens. */
  tokens: number;
  /** Unicode code points, so a Chinese character or an emoji counts once. */
  characters: number;
  tokenizer: TokenizerName;
  /** false: the model has no price, so the fallback price was used. */
  priced: boolean;
  /** micro-dollars per 1M tokens */
  inputPrice: number;
  outputPrice: number;
  /** micro-dollars for this text sent as a prompt, or written as an answer */
  inputCost: number;
  outputCost: number;
}

const TOKENIZER_NAMES: Record<Tokenizer, TokenizerName> = { o200k: 'o200k_base', cl100k: 'cl100k_base', unknown: 'estimate' };

/** Counts and prices a text for a model; no AI call is made. */
export function measureText(text: string, model: string, services: { tokens: TokenCounter; pricing: Pricing }): TokenReport {
  const { tokens, pricing } = services;
  const framed = tokens.countMessage(text);
  // Framing is removed before weighing, so an unknown model's safety margin applies to the text alone.
  const raw = { tokens: framed.tokens - MESSAGE_OVERHEAD_TOKENS, tokensCl100k: framed.tokensCl100k - MESSAGE_OVERHEAD_TOKENS };
  const count = tokens.weigh(raw, model);
  const { known, price } = pricing.resolveChat(model);
  return {
    model,
    tokens: count,
    characters: [...text].length,
    tokenizer: TOKENIZER_NAMES[tokenizerOf(model)],
    priced: known,
    inputPrice: price.input,
    outputPrice: price.output,
    inputCost: pricing.chatCost(model, { promptTokens: count, completionTokens: 0 }),
    outputCost: pricing.chatCost(model, { promptTokens: 0, completionTokens: count }),
  };
}

/** The padding TokenCounter adds for unknown models, as a percentage. */
const margin = Math.round((UNKNOWN_MODEL_TOKEN_SAFETY - 1) * 100);

const TEXT = {
  en: {
    tokens: (count: string, model: string, how: string) => `**Tokens:** ${count} for ${model} (${how})`,
    about: 'about ',
    o200k_base: 'tokenizer: o200k_base, used by GPT-4o and newer',
    cl100k_base: 'tokenizer: cl100k_base, used by GPT-3.5 and GPT-4',
    estimate: `estimate: the bot doesn't know this model's tokenizer. Local models (Llama, Qwen, Mistral...) count differently, so this is OpenAI's larger count plus ${margin}%`,
    characters: (r: TokenReport) => `**Characters:** ${n(r.characters)}${r.tokens > 0 ? ` (≈ ${ratio(r)} characters per token)` : ''}`,
    input: (cost: string, price: string) => `**Cost as input** (sent to the model): ${cost} (${price} per 1M tokens)`,
    output: (cost: string, price: string) => `**Cost as output** (written by the model): ${cost} (${price} per 1M tokens)`,
    unpriced: (model: string) => `⚠️ ${model} has no price in the bot's table, so the cost uses the fallback price.`,
    thumb: 'Rule of thumb: 1 token ≈ 4 English characters, or ≈ ¾ of a Chinese character (GPT-4o and newer fit more Chinese into each token).',
    free: 'Counted by the bot: no AI request was made and nothing was charged.',
  },
  'zh-TW': {
    tokens: (count: string, model: string, how: string) => `**Token 數：**${count}（${model}，${how}）`,
    about: '約 ',
    o200k_base: '分詞器：o200k_base，GPT-4o 及更新的模型使用',
    cl100k_base: '分詞器：cl100k_base，GPT-3.5 與 GPT-4 使用',
    estimate: `估計值：機器人不知道這個模型的分詞器。本機模型（Llama、Qwen、Mistral 等）的算法不同，因此取 OpenAI 兩種算法中較大者再加 ${margin}%`,
    characters: (r: TokenReport) => `**字元數：**${n(r.characters)}${r.tokens > 0 ? `（平均每個 token 約 ${ratio(r)} 個字元）` : ''}`,
    input: (cost: string, price: string) => `**作為輸入的費用**（送給模型）：${cost}（每 100 萬個 token ${price}）`,
    output: (cost: string, price: string) => `**作為輸出的費用**（模型寫出）：${cost}（每 100 萬個 token ${price}）`,
    unpriced: (model: string) => `⚠️ 機器人的價目表沒有 ${model} 的價格，費用以備用價格計算。`,
    thumb: '經驗法則：1 個 token 約等於 4 個英文字元，或約四分之三個中文字（GPT-4o 及更新的模型，每個 token 能容納更多中文）。',
    free: '由機器人自行計算：沒有呼叫 AI 服務，也不收取任何費用。',
  },
} as const;

const n = (value: number) => value.toLocaleString('en-US');
const ratio = (r: TokenReport) => (r.characters / r.tokens).toFixed(1);
/** The model name is typed by the member: shown as inline code, so backticks are dropped. */
const code = (model: string) => `\`${model.replace(/`/g, '')}\``;

/** The ephemeral reply to `/tokens`. */
export function describeTokenReport(r: TokenReport, language: Language): string {
  const text = TEXT[language];
  const count = `${r.tokenizer === 'estimate' ? text.about : ''}${n(r.tokens)}`;
  return [
    text.tokens(count, code(r.model), text[r.tokenizer]),
    text.characters(r),
    text.input(formatUsd(r.inputCost), formatUsd(r.inputPrice)),
    text.output(formatUsd(r.outputCost), formatUsd(r.outputPrice)),
    ...(r.priced ? [] : [text.unpriced(code(r.model))]),
    text.thumb,
    text.free,
  ].join('\n');
}
