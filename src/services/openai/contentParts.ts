/** One piece of a streamed `content`, as answer text and thinking. */
export interface ContentParts {
  text: string;
  thinking: string;
}

type Chunk = { type?: unknown; text?: unknown; thinking?: unknown };

/**
 * A delta's `content`: a string (OpenAI and most servers), or a list of chunks as Mistral's magistral models send it,
 * `{"type": "thinking", "thinking": [{"type": "text", "text"}]}` then `{"type": "text", "text"}`. Read as a string, a list
 * showed "[object Object]" as the answer and its thinking went uncounted. Anything else holds no text.
 */
export function contentParts(content: unknown): ContentParts {
  if (typeof content === 'string') return { text: content, thinking: '' };
  const parts: ContentParts = { text: '', thinking: '' };
  if (!Array.isArray(content)) return parts;
  for (const chunk of content as (string | Chunk | null)[]) {
    if (typeof chunk === 'string') parts.text += chunk;
    else if (chunk?.type === 'text' && typeof chunk.text === 'string') parts.text += chunk.text;
    else if (chunk?.type === 'thinking') parts.thinking += contentParts(chunk.thinking).text;
  }
  return parts;
}
