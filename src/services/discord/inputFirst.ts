/**
 * An answer's work after the acknowledgement (building the context, counting tokens, reserving, the model request)
 * waits its turn here, one piece per turn of the event loop, so interactions and messages still arriving from
 * the gateway are read and acknowledged between pieces. With a plain setImmediate, every answer waiting ran in
 * the same turn, and in a burst of 100 /ask the last deferrals waited behind the first answers' work.
 */
const waiting: (() => void)[] = [];

function runNext(): void {
  waiting.shift()?.();
  // Queued from inside an immediate, the next piece runs on the next turn, after the gateway's input is read.
  if (waiting.length > 0) setImmediate(runNext);
}

/** Resolves when the work waiting before this call has had its turn and pending input has been read. */
export function afterPendingInput(): Promise<void> {
  return new Promise((resolve) => {
    if (waiting.push(resolve) === 1) setImmediate(runNext);
  });
}

/**
 * Resolves two turns of the event loop from now. undici (discord.js's HTTP client) writes a request on an idle
 * keep-alive socket only in the check phase after it was made, once it has read anything the server sent on that
 * socket meanwhile; a request made in this turn has left by the time this resolves, ahead of whatever the caller
 * does next. About 20 µs when the bot is idle.
 */
export function afterRequestsWritten(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
