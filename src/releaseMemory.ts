/**
 * One garbage collection that hands start-up's memory back to the system (run once, after the warm-up).
 * A plain full collection (`gc()` under `node --expose-gc`) keeps the young generation at the size start-up grew it
 * to (8 MB with --max-semi-space-size=4) until V8's memory reducer shrinks it on its own, 20–30 s later. The
 * inspector's HeapProfiler.collectGarbage runs V8's low-memory collection, which shrinks it and compacts at once.
 * The session is in-process: no port is opened and nothing else is inspected.
 */
export async function releaseStartupMemory(): Promise<'low-memory' | 'full' | 'none'> {
  try {
    const { Session } = await import('node:inspector/promises');
    const session = new Session();
    session.connect();
    try {
      await session.post('HeapProfiler.collectGarbage');
    } finally {
      // After the awaited reply, not inside its callback (disconnecting there hangs Node 20's inspector).
      session.disconnect();
    }
    return 'low-memory';
  } catch {
    // A Node built without the inspector: an ordinary full collection, when `node --expose-gc` allows it.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return gc ? 'full' : 'none';
  }
}
