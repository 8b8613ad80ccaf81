# syntax=docker/dockerfile:1
# The bot in a container: `docker compose up -d --build` (see compose.yaml and the README's Docker section).

# Build: every dependency; `npm ci` compiles src/ to dist/ (its prepare step, scripts/build.mjs), so the
# sources come first; then only the production dependencies are kept.
FROM node:20-bookworm-slim AS build
# better-sqlite3 downloads a prebuilt binary; these tools only build it when no binary fits the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY locales ./locales
RUN npm ci && npm prune --omit=dev

# Run: the compiled bot and production dependencies, owned by root and run as the unprivileged `node` user.
# (src/ and scripts/ come along for `npm run backup`.)
FROM node:20-bookworm-slim
# MALLOC_TRIM_THRESHOLD_: glibc raises its trim threshold (up to 64 MB) after start-up frees its large buffers, and then keeps
# that much freed memory; a fixed 128 KiB hands it back: idle RSS 100-105 MB -> 92-93 MB (see the README's Benchmarks).
ENV NODE_ENV=production \
    DATABASE_PATH=/app/data/bot.sqlite \
    MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/locales ./locales
COPY --from=build /app/src ./src
COPY --from=build /app/scripts ./scripts
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# The SQLite file (history and the spending ledger) lives here: keep it on a volume.
VOLUME /app/data
# Healthy when /healthz answers 200; without METRICS_PORT there is no endpoint, and the check passes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const port = process.env.METRICS_PORT; if (!port) process.exit(0); let host = process.env.METRICS_HOST || '127.0.0.1'; if (host === '0.0.0.0' || host === '::') host = '127.0.0.1'; if (host.includes(':')) host = '[' + host + ']'; fetch('http://' + host + ':' + port + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1));"]
# Node is PID 1 and handles SIGTERM itself: answers in progress get SHUTDOWN_GRACE_MS, then it exits 0.
# dist/index.js directly (not scripts/start.mjs): the image's build can't go stale, so nothing needs checking.
# The V8 flags are npm start's (package.json): one V8 background thread (fewer malloc arenas), a small young generation, and a full collection once the heap grows 20 %
# past what was live (V8's default let garbage from 100 concurrent answers pile up to ~180 MB; see the README's Benchmarks).
CMD ["node", "--v8-pool-size=1", "--max-semi-space-size=4", "--heap-growing-percent=20", "dist/index.js"]
