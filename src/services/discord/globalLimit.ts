import { DefaultRestOptions, type RESTOptions } from 'discord.js';

/** Discord lets a bot token make 50 requests in any second, across all routes. */
export const DISCORD_GLOBAL_REQUESTS_PER_SECOND = 50;
/** Kept below the cap, over a window a little longer than a second: requests sent in order can arrive out of it. */
const REQUESTS_PER_WINDOW = DISCORD_GLOBAL_REQUESTS_PER_SECOND - 5;
const WINDOW_MS = 1_150;

/**
 * discord.js counts its global limit in fixed one-second windows, so a burst can send up to twice
 * the cap within one rolling second and collect 429s (which Discord also counts toward its
 * invalid-request ban). This spaces bot-token requests over a rolling second instead, in order.
 */
export function rollingGlobalLimit(makeRequest: RESTOptions['makeRequest'] = DefaultRestOptions.makeRequest): RESTOptions['makeRequest'] {
  const sentAt: number[] = [];
  let queue: Promise<void> = Promise.resolve();
  const takeSlot = async () => {
    for (;;) {
      const now = performance.now();
      while (sentAt.length > 0 && sentAt[0]! <= now - WINDOW_MS) sentAt.shift();
      if (sentAt.length < REQUESTS_PER_WINDOW) {
        sentAt.push(now);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, sentAt[0]! + WINDOW_MS - now));
    }
  };
  return async (url, init) => {
    const headers = init.headers as Record<string, string> | undefined;
    const authorization = headers?.Authorization ?? headers?.authorization;
    // Interaction callbacks and webhook edits carry no bot token and are not bound by the global cap.
    if (authorization?.startsWith('Bot ')) {
      const slot = queue.then(takeSlot);
      queue = slot;
      await slot;
    }
    return makeRequest(url, init);
  };
}
