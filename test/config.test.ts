import { describe, expect, test } from 'vitest';
import { ConfigError, DEFAULT_HISTORY_MAX_TOKENS, DEFAULT_SYSTEM_PROMPT, isOpenAIItself, isOpenAIRegional, loadConfig } from '../src/config.ts';
import { ResponsesOnlyModels } from '../src/services/openai/responsesOnly.ts';
import { BUILTIN_CHAT } from '../src/services/pricing/builtinPrices.ts';

const required = { DISCORD_TOKEN: 'discord-token-value', OPENAI_API_KEY: 'sk-test-key-value' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('defaults fill everything but the two secrets', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      databasePath: 'data/bot.sqlite', logLevel: 'info', defaultModel: 'gpt-4.1-mini', devGuildId: undefined,
      openaiBaseUrl: undefined, discordApiUrl: undefined, systemPrompt: DEFAULT_SYSTEM_PROMPT, maxOutputTokens: 1024, registerCommands: true,
    });
  });

  test('UNPRICED_MODELS: charged at the fallback only on a server of the operator\'s own machine or network, refused elsewhere, unless set', () => {
    const unpriced = (url?: string) => loadConfig({ ...required, ...(url === undefined ? {} : { OPENAI_BASE_URL: url }) }).unpricedModels;
    expect(unpriced()).toBe('refuse');
    expect(unpriced('https://api.openai.com/v1')).toBe('refuse');
    // OpenAI's regional endpoints (data residency) are OpenAI's API too, with OpenAI's prices (and a 10 % uplift).
    for (const region of ['eu', 'us', 'jp', 'au', 'in']) expect(unpriced(`https://${region}.api.openai.com/v1`)).toBe('refuse');
    expect(unpriced('https://api.openai.com./v1')).toBe('refuse');
    // Local model servers: loopback, private networks, link-local, Tailscale, mDNS, Docker's host, a compose service.
    for (const url of [
      'http://127.0.0.1:11434/v1', 'http://localhost:1234/v1', 'http://[::1]:8000/v1', 'http://10.0.0.5:8000/v1', 'http://172.20.1.2:8080/v1',
      'http://192.168.1.20:11434/v1', 'http://169.254.10.1/v1', 'http://100.101.102.103:8000/v1', 'http://[fd12:3456::1]:8000/v1',
      'http://gpu-box.local:8000/v1', 'http://host.docker.internal:11434/v1', 'http://ollama:11434/v1', 'http://vllm.lan/v1', 'http://llm.home.arpa/v1',
    ]) expect([url, unpriced(url)]).toEqual([url, 'fallback']);
    // Paid proxies and other public hosts may serve a model dearer than the fallback's gpt-4o: refused.
    for (const url of [
      'https://openrouter.ai/api/v1', 'https://api.together.xyz/v1', 'https://my-resource.openai.azure.com/openai/v1', 'http://8.8.8.8/v1',
      'http://172.32.0.1/v1', 'https://notapi.openai.com.example/v1', 'https://evilapi.openai.com/v1', 'https://proxy.example/api.openai.com/v1',
      // A gateway to paid providers run beside the bot (a compose service or a LAN name) is not a local model server.
      'http://litellm:4000/v1', 'http://one-api:3000/v1', 'http://new-api:3000/v1', 'http://newapi.lan/v1', 'http://litellm-proxy.internal/v1',
      // Compose service names may use underscores too.
      'http://litellm_proxy:4000/v1', 'http://one_api:3000/v1',
    ]) expect([url, unpriced(url)]).toEqual([url, 'refuse']);
    expect(loadConfig({ ...required, OPENAI_BASE_URL: 'https://openrouter.ai/api/v1', UNPRICED_MODELS: 'fallback' }).unpricedModels).toBe('fallback');
    expect(loadConfig({ ...required, UNPRICED_MODELS: 'fallback' }).unpricedModels).toBe('fallback');
    expect(loadConfig({ ...required, OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', UNPRICED_MODELS: 'refuse' }).unpricedModels).toBe('refuse');
    expect(problemsOf({ ...required, UNPRICED_MODELS: 'maybe' })).toEqual(['UNPRICED_MODELS must be refuse or fallback']);
  });

  test('a regional endpoint is a data-residency host of OpenAI\'s, not api.openai.com itself', () => {
    for (const url of ['https://eu.api.openai.com/v1', 'https://us.api.openai.com/v1', 'https://jp.api.openai.com./v1']) expect(isOpenAIRegional(url)).toBe(true);
    for (const url of [undefined, 'https://api.openai.com/v1', 'https://api.openai.com./v1', 'https://eu.api.openai.com.example/v1', 'http://127.0.0.1:8000/v1']) expect(isOpenAIRegional(url)).toBe(false);
  });

  test('only api.openai.com and its regional endpoints are OpenAI itself (max_completion_tokens, its prices)', () => {
    expect(isOpenAIItself(undefined)).toBe(true);
    for (const url of ['https://api.openai.com/v1', 'https://eu.api.openai.com/v1', 'https://api.openai.com./v1']) expect(isOpenAIItself(url)).toBe(true);
    for (const url of ['https://notapi.openai.com.example/v1', 'https://evilapi.openai.com/v1', 'https://proxy.example/api.openai.com/v1', 'http://127.0.0.1:11434/v1']) {
      expect(isOpenAIItself(url)).toBe(false);
    }
  });

  test('REASONING_MODELS: names alone or name=model, and the allowance of reasoning models', () => {
    const config = loadConfig({ ...required, REASONING_MODELS: 'my-o3=o3, azure-thinker', REASONING_MAX_OUTPUT_TOKENS: '16000' });
    expect([...config.reasoningModels]).toEqual([['my-o3', 'o3'], ['azure-thinker', null]]);
    expect(config.reasoningMaxOutputTokens).toBe(16000);
    expect(loadConfig(required)).toMatchObject({ reasoningMaxOutputTokens: 8192, reasoningModels: new Map() });
    expect(problemsOf({ ...required, REASONING_MODELS: 'x=gpt-4o' })).toEqual(['REASONING_MODELS gpt-4o (after x=) is not a reasoning model the bot knows (o1, o3, o4-mini, gpt-5…)']);
  });

  test('ALLOWED_MODELS: unset or empty allows any model; DEFAULT_MODEL and VISION_MODEL must be on it, named when not', () => {
    expect(loadConfig(required).allowedModels).toBeNull();
    expect(loadConfig({ ...required, ALLOWED_MODELS: ' ' }).allowedModels).toBeNull();
    expect(loadConfig({ ...required, ALLOWED_MODELS: 'gpt-4.1*, o4-mini', VISION_MODEL: 'GPT-4.1' }).allowedModels).toEqual(['gpt-4.1*', 'o4-mini']);
    expect(problemsOf({ ...required, ALLOWED_MODELS: 'gpt-4o*', VISION_MODEL: 'gpt-4.1' })).toEqual([
      'DEFAULT_MODEL (gpt-4.1-mini) is not in ALLOWED_MODELS: add it to the list, or choose a model the list allows',
      'VISION_MODEL (gpt-4.1) is not in ALLOWED_MODELS: add it to the list, or choose a model the list allows',
    ]);
    // A list that can't be read is the one problem reported, not every model it was meant to allow.
    expect(problemsOf({ ...required, ALLOWED_MODELS: 'gpt-*-mini' })).toEqual(['ALLOWED_MODELS takes a * only at the end of an entry (a prefix, like gpt-4o*); not understood: gpt-*-mini']);
  });

  test('every problem is listed at once, with the variable name', () => {
    const problems = problemsOf({ OPENAI_BASE_URL: 'ftp://example', LOG_LEVEL: 'loud', DEV_GUILD_ID: '123', MAX_OUTPUT_TOKENS: 'lots' });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(
      expect.arrayContaining(['DISCORD_TOKEN', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOG_LEVEL', 'DEV_GUILD_ID', 'MAX_OUTPUT_TOKENS']),
    );
    expect(problems).toHaveLength(6);
  });

  test('empty strings count as unset, so a copied .env.example works once the secrets are filled', () => {
    const config = loadConfig({ ...required, DEV_GUILD_ID: '', OPENAI_BASE_URL: '', SYSTEM_PROMPT: '', DATABASE_PATH: '' });
    expect(config.devGuildId).toBeUndefined();
    expect(config.databasePath).toBe('data/bot.sqlite');
  });

  test('a bad value is reported without echoing a secret', () => {
    const error = (() => { try { loadConfig({ DISCORD_TOKEN: 'has a space secretvalue', OPENAI_API_KEY: 'sk-abc def' }); } catch (e) { return e as Error; } })();
    expect(error?.message).toContain('DISCORD_TOKEN must not contain spaces');
    expect(error?.message).not.toContain('secretvalue');
    expect(error?.message).not.toContain('sk-abc');
  });

  test.each([
    ['OPENAI_BASE_URL', 'https://bot:hunter2-url-password@proxy.example/v1'],
    ['DISCORD_API_URL', 'http://bot:hunter2-url-password@127.0.0.1:8080/api'],
    ['LEDGER_URL', 'http://host:hunter2-url-password@10.0.0.1:9470'],
  ])('%s with a user name and password is refused (never sent: fetch refuses such a URL, discord.js drops them), without echoing them', (name, url) => {
    const env = { ...required, [name]: url, ...(name === 'LEDGER_URL' ? { LEDGER_SECRET: 'x'.repeat(40), SHARD_IDS: '2-3', SHARD_COUNT: '4' } : {}) };
    const problems = problemsOf(env);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name} must not hold a user name or password`))]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  test.each([
    ['a zero-width space pasted with it', 'MTIz.token-value\u200b'],
    ['a curly quote', '\u201cMTIz.token-value\u201d'],
    ['a control character', 'MTIz.token\u0000value'],
  ])('a key or token with a character HTTP headers cannot carry (%s) is refused at start, without echoing it', (_case, value) => {
    expect(problemsOf({ DISCORD_TOKEN: value, OPENAI_API_KEY: value })).toEqual([
      expect.stringMatching(/^DISCORD_TOKEN has a character an HTTP header cannot carry/), expect.stringMatching(/^OPENAI_API_KEY has a character an HTTP header cannot carry/),
    ]);
    expect(problemsOf({ DISCORD_TOKEN: value, OPENAI_API_KEY: value }).join('\n')).not.toContain('token');
  });

  test('a secret pasted into a setting whose problem quotes its value is not echoed', () => {
    const token = 'MTIz.pasted-in-the-wrong-line-token';
    const problems = problemsOf({ DISCORD_TOKEN: token, OPENAI_API_KEY: 'sk-test-key-value', ALLOWED_GUILD_IDS: token, SHARD_IDS: token, SHARD_COUNT: '2' });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^ALLOWED_GUILD_IDS must be Discord server IDs.*not IDs: \[REDACTED\]$/), expect.stringMatching(/^SHARD_IDS .*not understood: \[REDACTED\]$/)]));
    expect(problems.join('\n')).not.toContain('pasted-in-the-wrong-line');
  });

  // Built here, not written out whole: a tracked literal in a real token's shape sets off secret scanners.
  const tokenShaped = ['x'.repeat(24), 'fake00', `wrong-line-token_${'x'.repeat(20)}`].join('.');
  const keyShaped = ['sk', 'proj', 'wrong-line-key_fake'].join('-');
  test.each([
    ['a Discord bot token', 'DISCORD_TOKEN', tokenShaped],
    ['an OpenAI key', 'OPENAI_API_KEY', keyShaped],
  ])('%s pasted into the wrong line, its own left empty, is not echoed either', (_case, own, secret) => {
    const problems = problemsOf({ ...required, [own]: '', ALLOWED_GUILD_IDS: secret, SHARD_IDS: secret, SHARD_COUNT: '2', ALLOWED_MODELS: `gpt-4o ${secret}` });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${own} is required`)), expect.stringMatching(/^ALLOWED_GUILD_IDS .*not IDs: \[REDACTED\]$/),
      expect.stringMatching(/^SHARD_IDS .*not understood: \[REDACTED\]$/), expect.stringMatching(/^ALLOWED_MODELS .*not understood: gpt-4o \[REDACTED\]$/),
    ]));
    expect(problems.join('\n')).not.toContain('wrong-line');
  });

  test('metrics are off unless METRICS_PORT is set, and listen on loopback unless METRICS_HOST says otherwise', () => {
    expect(loadConfig(required)).toMatchObject({ metricsPort: undefined, metricsHost: '127.0.0.1' });
    expect(loadConfig({ ...required, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0' });
    expect(problemsOf({ ...required, METRICS_PORT: '0' })).toEqual(['METRICS_PORT must be 1-65535']);
    expect(problemsOf({ ...required, METRICS_PORT: '70000' })).toEqual(['METRICS_PORT must be 1-65535']);
    expect(problemsOf({ ...required, METRICS_PORT: 'http' })).toEqual(['METRICS_PORT must be a port number']);
    expect(problemsOf({ ...required, METRICS_HOST: 'http://0.0.0.0' })).toEqual([expect.stringMatching(/^METRICS_HOST must be an address to listen on/)]);
  });

  test('base URLs lose their trailing slash', () => {
    expect(loadConfig({ ...required, OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/' }).openaiBaseUrl).toBe('http://127.0.0.1:11434/v1');
  });
});

describe('loadDatabasePath (npm run backup)', () => {
  test.each([
    ['unset', {}, 'data/bot.sqlite'],
    ['empty', { DATABASE_PATH: '' }, 'data/bot.sqlite'],
    ['set, with no token or API key and other settings invalid', { DATABASE_PATH: '/srv/bot/bot.sqlite', MAX_OUTPUT_TOKENS: 'lots' }, '/srv/bot/bot.sqlite'],
  ])('%s', async (_name, env, expected) => {
    const { loadDatabasePath } = await import('../src/config.ts');
    expect(loadDatabasePath(env)).toBe(expected);
  });
});

/** MEMBER_LIMIT_USD and BOT_LIMIT_USD off: nothing for a coordinator to keep across hosts. */
const NO_SPANNING_LIMITS = { MEMBER_LIMIT_USD: 'unlimited', BOT_LIMIT_USD: 'unlimited' };

describe('loadConfig: shards', () => {
  test.each([
    ['unset: one shard, in this process', {}, { count: 1, ids: null }],
    ['SHARDS=4', { SHARDS: '4' }, { count: 4, ids: null }],
    ['SHARDS=auto', { SHARDS: 'auto' }, { count: 'auto', ids: null }],
    ['this host\'s range of several (limits that span hosts off)', { SHARD_IDS: '0-3, 8', SHARD_COUNT: '10', ...NO_SPANNING_LIMITS }, { count: 10, ids: [0, 1, 2, 3, 8] }],
    ['every shard listed: one host', { SHARD_IDS: '0-3', SHARD_COUNT: '4' }, { count: 4, ids: [0, 1, 2, 3] }],
  ])('%s', (_name, env, shards) => {
    expect(loadConfig({ ...required, ...env }).shards).toEqual(shards);
  });

  test.each([
    ['SHARDS=0', { SHARDS: '0' }, 'SHARDS must be auto or a whole number'],
    ['SHARDS=many', { SHARDS: 'many' }, 'SHARDS must be auto or a whole number'],
    ['SHARD_IDS without SHARD_COUNT', { SHARD_IDS: '0-1' }, 'SHARD_IDS needs SHARD_COUNT'],
    ['SHARD_COUNT alone', { SHARD_COUNT: '2' }, 'SHARD_COUNT is only used with SHARD_IDS'],
    ['a shard id not below the count', { SHARD_IDS: '1-2', SHARD_COUNT: '2' }, 'too high: 2'],
    ['a backwards range', { SHARD_IDS: '3-1', SHARD_COUNT: '4' }, 'not understood: 3-1'],
  ])('%s is refused', (_name, env, problem) => {
    expect(problemsOf({ ...required, ...env }).join('\n')).toContain(problem);
  });
});

describe('loadConfig: limits across hosts (LEDGER_*)', () => {
  const SECRET = 'f'.repeat(64);
  const other = { SHARD_IDS: '2-3', SHARD_COUNT: '4' };
  const first = { SHARD_IDS: '0-1', SHARD_COUNT: '4' };

  test.each([
    ['unset: one host', {}, { url: undefined, port: undefined, host: '127.0.0.1', secret: undefined }],
    ['the coordinator (shard 0\'s host), on loopback by default', { ...first, LEDGER_PORT: '9470', LEDGER_SECRET: SECRET }, { url: undefined, port: 9470, host: '127.0.0.1', secret: SECRET }],
    ['the coordinator listening on the LAN', { ...first, LEDGER_PORT: '9470', LEDGER_HOST: '10.0.0.1', LEDGER_SECRET: SECRET }, { port: 9470, host: '10.0.0.1' }],
    ['another host', { ...other, LEDGER_URL: 'http://10.0.0.1:9470/', LEDGER_SECRET: SECRET }, { url: 'http://10.0.0.1:9470', port: undefined, secret: SECRET }],
    ['some of the shards and no coordinator, with nothing to keep across hosts', { ...other, ...NO_SPANNING_LIMITS }, { url: undefined, port: undefined }],
  ])('%s', (_name, env, ledger) => {
    expect(loadConfig({ ...required, ...env }).ledger).toMatchObject(ledger);
  });

  test.each([
    ['LEDGER_URL without a secret', { ...other, LEDGER_URL: 'http://10.0.0.1:9470' }, 'LEDGER_SECRET is required with LEDGER_URL or LEDGER_PORT'],
    ['LEDGER_PORT without a secret', { ...first, LEDGER_PORT: '9470' }, 'LEDGER_SECRET is required with LEDGER_URL or LEDGER_PORT'],
    ['a secret alone', { LEDGER_SECRET: SECRET }, 'LEDGER_SECRET is only used with LEDGER_URL'],
    ['a short secret', { ...other, LEDGER_URL: 'http://10.0.0.1:9470', LEDGER_SECRET: 'short-secret' }, 'LEDGER_SECRET must be at least 32 characters'],
    ['both LEDGER_URL and LEDGER_PORT', { ...other, LEDGER_URL: 'http://10.0.0.1:9470', LEDGER_PORT: '9470', LEDGER_SECRET: SECRET }, 'LEDGER_URL and LEDGER_PORT exclude each other'],
    ['LEDGER_URL not an http address', { ...other, LEDGER_URL: 'ftp://10.0.0.1', LEDGER_SECRET: SECRET }, "LEDGER_URL must be the coordinator's http(s) address"],
    ['LEDGER_URL on the host with shard 0', { ...first, LEDGER_URL: 'http://10.0.0.1:9470', LEDGER_SECRET: SECRET }, 'the host with shard 0 is the coordinator'],
    ['LEDGER_PORT on a host without shard 0', { ...other, LEDGER_PORT: '9470', LEDGER_SECRET: SECRET }, 'LEDGER_PORT belongs on the host whose SHARD_IDS include shard 0'],
    // Each host would keep the member's and the bot's totals on its own: a member in servers on two hosts could spend
    // MEMBER_LIMIT_USD on each, and the bot BOT_LIMIT_USD on each (the defaults set both).
    ['some of the shards (without shard 0) and no coordinator, under the default limits', other, 'SHARD_IDS runs only some of the SHARD_COUNT shards, and neither LEDGER_PORT nor LEDGER_URL is set: every host would keep MEMBER_LIMIT_USD and BOT_LIMIT_USD on its own'],
    ['some of the shards (with shard 0) and no coordinator, a member limit only', { ...first, BOT_LIMIT_USD: 'unlimited' }, 'every host would keep MEMBER_LIMIT_USD on its own, so they could be spent once per host. Set LEDGER_PORT on the host with shard 0'],
    ['some of the shards and no coordinator, a bot limit only', { ...other, MEMBER_LIMIT_USD: 'unlimited', BOT_LIMIT_USD: '20' }, 'or set BOT_LIMIT_USD to unlimited'],
  ])('%s is refused', (_name, env, problem) => {
    const problems = problemsOf({ ...required, ...env }).join('\n');
    expect(problems).toContain(problem);
    if ('LEDGER_SECRET' in env) expect(problems).not.toContain(env.LEDGER_SECRET);
  });
});

describe('loadConfig: HISTORY_MAX_TOKENS', () => {
  test.each([
    ['unset: 16,000 tokens', {}, 16_000],
    ['empty, as a copied .env.example leaves it', { HISTORY_MAX_TOKENS: '' }, 16_000],
    ['0: no history', { HISTORY_MAX_TOKENS: '0' }, 0],
    ['a number, spaces trimmed', { HISTORY_MAX_TOKENS: ' 4000 ' }, 4000],
    ['unlimited, in any case', { HISTORY_MAX_TOKENS: 'Unlimited' }, null],
    ['the largest accepted', { HISTORY_MAX_TOKENS: '10000000' }, 10_000_000],
  ])('%s', (_name, env, expected) => {
    expect(loadConfig({ ...required, ...env }).historyMaxTokens).toBe(expected);
  });

  test.each(['-1', '1.5', '16k', '1e4', 'none', '0x10', '10000001', '99999999999999999999'])('%s is refused, the variable named and no other setting\'s value shown', (value) => {
    const secrets = { DISCORD_TOKEN: 'discord-secret-value', OPENAI_API_KEY: 'sk-secret-value', SYSTEM_PROMPT: 'a prompt of the operator' };
    const problems = problemsOf({ ...secrets, HISTORY_MAX_TOKENS: value });
    expect(problems).toEqual(['HISTORY_MAX_TOKENS must be a whole number of tokens from 0 to 10000000, or "unlimited"']);
    for (const secret of Object.values(secrets)) expect(problems.join('\n')).not.toContain(secret);
  });

  test('the default\'s price, as its comment and the README state it: $1.20 of history at most on the dearest chat model priced', () => {
    const micros = (model: string) => (BUILTIN_CHAT[model]!.input * DEFAULT_HISTORY_MAX_TOKENS) / 1_000_000;
    const responsesOnly = new ResponsesOnlyModels(true);
    const chatModels = Object.keys(BUILTIN_CHAT).filter((model) => !responsesOnly.has(model));
    const dearest = chatModels.reduce((a, b) => (BUILTIN_CHAT[b]!.input > BUILTIN_CHAT[a]!.input ? b : a));
    expect([dearest, micros(dearest)]).toEqual(['gpt-4.5-preview', 1_200_000]);
    expect(responsesOnly.has('o1-pro') && micros('o1-pro')).toBe(2_400_000);
    expect([micros('gpt-4o'), micros('gpt-5.4'), micros('gpt-4.1-mini')]).toEqual([40_000, 40_000, 6400]);
  });

  test('a bad HISTORY_MAX_TOKENS is listed beside the other problems', () => {
    const problems = problemsOf({ ...required, HISTORY_MAX_TOKENS: 'lots', MAX_OUTPUT_TOKENS: 'lots' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['HISTORY_MAX_TOKENS', 'MAX_OUTPUT_TOKENS']);
  });
});
