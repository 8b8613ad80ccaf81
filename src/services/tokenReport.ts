/** `/tokens`: what a text weighs for a model and what it would cost, like the tutorial's token calculator. */
import { catalogue, type CatalogueLanguage } from './i18n.ts';
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
  /** micro-dollars billed once per request on top of the tokens (a search model's web search), 0 if none */
  requestFee: number;
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
    // The text's tokens alone: a search model's per-request fee is not part of either.
    inputCost: pricing.chatCost(model, { promptTokens: count, completionTokens: 0 }) - (price.perRequest ?? 0),
    outputCost: pricing.chatCost(model, { promptTokens: 0, completionTokens: count }) - (price.perRequest ?? 0),
    requestFee: price.perRequest ?? 0,
  };
}

/** The padding TokenCounter adds for unknown models, as a percentage. */
const margin = Math.round((UNKNOWN_MODEL_TOKEN_SAFETY - 1) * 100);

const text = catalogue('tokens');

const n = (value: number) => value.toLocaleString('en-US');
const ratio = (r: TokenReport) => (r.characters / r.tokens).toFixed(1);
/** The model name is typed by the member: shown as inline code, so backticks are dropped. */
const code = (model: string) => `\`${model.replace(/`/g, '')}\``;

/** The ephemeral reply to `/tokens`. */
export function describeTokenReport(r: TokenReport, language: CatalogueLanguage): string {
  const model = code(r.model);
  const count = { count: n(r.tokens), model, how: text(`tokenizer.${r.tokenizer}`, language, { margin }) };
  return [
    text(r.tokenizer === 'estimate' ? 'tokensAbout' : 'tokens', language, count),
    r.tokens > 0 ? text('charactersRatio', language, { characters: n(r.characters), ratio: ratio(r) }) : text('characters', language, { characters: n(r.characters) }),
    text('input', language, { cost: formatUsd(r.inputCost), price: formatUsd(r.inputPrice) }),
    text('output', language, { cost: formatUsd(r.outputCost), price: formatUsd(r.outputPrice) }),
    ...(r.requestFee > 0 ? [text('requestFee', language, { fee: formatUsd(r.requestFee) })] : []),
    ...(r.priced ? [] : [text('unpriced', language, { model })]),
    text('thumb', language),
    text('free', language),
  ].join('\n');
}
