/**
 * Local reasoning models (DeepSeek-R1, Qwen3, QwQ served by Ollama, vLLM or llama.cpp without a reasoning
 * parser) write their thinking into the answer itself: `<think>…</think>` and then the answer. DeepSeek-R1's
 * chat template already puts the opening `<think>` into the prompt, so its output often has only the closing
 * tag. This splits a streamed answer into thinking and answer as it arrives, whatever way the SSE chunks cut
 * the tags, so the thinking is never shown or stored as the answer.
 */
const OPEN = '<think>';
const CLOSE = '</think>';

/** The longest end of `text` that could be the start of `tag` (held back until the next chunk decides). */
function partialTagAt(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length -= 1) {
    if (tag.startsWith(text.slice(-length))) return length;
  }
  return 0;
}

type Mode =
  /** Nothing but whitespace yet: a `<think>` here opens the thinking. */
  | 'start'
  /** A model whose template opens `<think>` itself: held back until `</think>` (thinking) or the end (an answer). */
  | 'undecided'
  | 'thinking'
  /** Right after `</think>`: the whitespace before the answer is dropped. */
  | 'lead'
  | 'answer';

/**
 * Models served with a template that opens `<think>` in the prompt (DeepSeek-R1 and its distills, QwQ, Qwen3
 * "Thinking"): their output starts inside the thinking, so nothing is shown until `</think>` says where it ends.
 */
export const OPENS_THINK_IN_TEMPLATE = /(^|[^a-z0-9])(r1|qwq)([^a-z0-9]|$)|thinking/i;

export class ThinkSplitter {
  private mode: Mode;
  private pending = '';
  /** A closing tag without an opening one reclassifies what came before it, once, and only if no `<think>` was seen. */
  private tagSeen = false;
  private answerText = '';
  private thought = '';

  /** `opensInTemplate`: the model's output may start inside a `<think>` its template opened (OPENS_THINK_IN_TEMPLATE). */
  constructor(opensInTemplate = false) {
    this.mode = opensInTemplate ? 'undecided' : 'start';
  }

  /** The answer so far, without any thinking. */
  get text(): string {
    return this.answerText;
  }

  /** The thinking so far. */
  get reasoning(): string {
    return this.thought;
  }

  /** Output held back until the next piece decides what it is (all of it, for a template-opened `<think>` not yet closed). */
  get held(): string {
    return this.pending;
  }

  /** Inside `<think>` (or, for a model whose template opens it, before its `</think>`). */
  get thinking(): boolean {
    return this.mode === 'thinking' || (this.mode === 'undecided' && this.pending.trim() !== '');
  }

  /** Adds a piece of streamed content; true when the visible answer changed. */
  feed(chunk: string): boolean {
    const before = this.answerText;
    let rest = this.pending + chunk;
    this.pending = '';
    while (rest !== '') rest = this.step(rest);
    return this.answerText !== before;
  }

  /** The stream ended: a held-back piece of a tag is text after all; an unterminated `<think>` stays thinking. */
  end(): boolean {
    const before = this.answerText;
    // A held-back output that never closed a `<think>` was the answer after all.
    if (this.mode === 'undecided') this.answerText += this.pending.trim();
    else if (this.mode === 'thinking') this.thought += this.pending;
    else if (this.pending.trim() !== '') this.answerText += this.pending;
    this.pending = '';
    return this.answerText !== before;
  }

  /** `rest` (no `</think>` in it) without an end that may be the start of one: that end waits for the next chunk. */
  private holdPartialClose(rest: string): string {
    const held = partialTagAt(rest, CLOSE);
    this.pending = rest.slice(rest.length - held);
    return rest.slice(0, rest.length - held);
  }

  /** Consumes the start of `rest`; returns what is left for the next step. */
  private step(rest: string): string {
    switch (this.mode) {
      case 'undecided': {
        const held = rest;
        const open = held.trimStart().startsWith(OPEN) ? held.indexOf(OPEN) + OPEN.length : 0;
        const close = held.indexOf(CLOSE, open);
        if (close < 0) {
          this.pending = held;
          return '';
        }
        this.thought += held.slice(open, close);
        this.pending = '';
        this.tagSeen = true;
        this.mode = 'lead';
        return held.slice(close + CLOSE.length);
      }
      case 'start':
      case 'lead': {
        const trimmed = rest.trimStart();
        if (trimmed === '') return '';
        if (this.mode === 'start' && trimmed.startsWith(OPEN)) {
          this.mode = 'thinking';
          this.tagSeen = true;
          return trimmed.slice(OPEN.length);
        }
        if (this.mode === 'start' && OPEN.startsWith(trimmed)) {
          this.pending = trimmed;
          return '';
        }
        this.mode = 'answer';
        return trimmed;
      }
      case 'thinking': {
        const close = rest.indexOf(CLOSE);
        if (close >= 0) {
          this.thought += rest.slice(0, close);
          this.mode = 'lead';
          return rest.slice(close + CLOSE.length);
        }
        this.thought += this.holdPartialClose(rest);
        return '';
      }
      case 'answer': {
        if (this.tagSeen) {
          this.answerText += rest;
          return '';
        }
        const close = rest.indexOf(CLOSE);
        if (close >= 0) {
          // DeepSeek-R1 without its opening tag: everything so far was thinking.
          this.thought += this.answerText + rest.slice(0, close);
          this.answerText = '';
          this.tagSeen = true;
          this.mode = 'lead';
          return rest.slice(close + CLOSE.length);
        }
        this.answerText += this.holdPartialClose(rest);
        return '';
      }
    }
  }
}
