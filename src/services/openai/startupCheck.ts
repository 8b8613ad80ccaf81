import type OpenAI from 'openai';
import type { Logger } from '../../logger.ts';
import { classifyError } from './failures.ts';

/** The start-up check waits this long for the AI service; it never holds up the bot. */
export const STARTUP_CHECK_TIMEOUT_MS = 10_000;
/** Models a server lists that don't chat (Ollama lists embedding models beside the chat ones; OpenAI lists everything). */
const NOT_CHAT = /embed|whisper|tts|dall-e|gpt-image|moderation|transcribe|rerank/i;

/** The chat models among the ids a server listed. */
export const chatModelIds = (ids: readonly string[]): string[] => ids.filter((id) => !NOT_CHAT.test(id));

/** The one listed id spelled like `model` in another case. */
function listedAs(ids: readonly string[], model: string): string | undefined {
  const alike = ids.filter((id) => id.toLowerCase() === model.toLowerCase());
  return alike.length === 1 ? alike[0] : undefined;
}

/**
 * Asks the AI service for its model list once at start-up, so a wrong key, an unreachable
 * OPENAI_BASE_URL or a model the server does not offer shows in the log at once, not at the
 * first member's question. It also opens the first connection before anyone is waiting.
 */
export async function checkAiService(openai: OpenAI, models: { chat: string }, logger: Logger, onListed?: (ids: readonly string[]) => void): Promise<'ok' | 'failed'> {
  try {
    const ids: string[] = [];
    for await (const model of openai.models.list({ timeout: STARTUP_CHECK_TIMEOUT_MS, maxRetries: 0 })) ids.push(model.id);
    onListed?.(ids);
    // Some compatible servers answer /models with an empty list: nothing can be checked, nothing is known to be missing.
    if (ids.length === 0) {
      logger.warn({ model: models.chat }, 'the AI service lists no models at all, so DEFAULT_MODEL cannot be checked; answers will show whether the server accepts it');
    } else if (ids.includes(models.chat)) {
      logger.info({ models: ids.length }, 'AI service reachable; DEFAULT_MODEL is available');
    } else {
      const listed = listedAs(ids, models.chat);
      // Kept as configured rather than respelled: the operator's name is the one a proxy may route on, and the fix is one edit.
      if (listed !== undefined) logger.warn({ model: models.chat, listed }, 'the AI service lists DEFAULT_MODEL only in another case, and model names are case-sensitive: answers will fail with "model not found" until DEFAULT_MODEL is spelled as listed');
      else logger.warn({ model: models.chat, offered: ids.slice(0, 20) }, 'the AI service does not list DEFAULT_MODEL; answers will fail unless it accepts the name anyway');
    }
    return 'ok';
  } catch (error) {
    const failure = classifyError(error, false, { endpoint: 'models' });
    if (failure.kind === 'endpoint_missing') {
      // Not every compatible server has GET /models; answers may well work.
      logger.warn('the AI service has no model list (GET /models under OPENAI_BASE_URL), so DEFAULT_MODEL cannot be checked; answers will show whether the server accepts it');
      return 'ok';
    }
    if (failure.kind === 'auth') logger.error('the AI service rejected OPENAI_API_KEY: answers will fail until it is fixed in .env');
    else if (failure.kind === 'network' || failure.kind === 'timeout') logger.error({ failure }, 'cannot reach the AI service at OPENAI_BASE_URL: answers will fail until it is reachable');
    else logger.warn({ failure }, 'the AI service did not answer the start-up model check; answers may still work');
    return 'failed';
  }
}
