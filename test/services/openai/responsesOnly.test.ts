import { APIError } from 'openai';
import { describe, expect, test } from 'vitest';
import { describeFailure } from '../../../src/services/failureMessages.ts';
import { normaliseErrorBody } from '../../../src/services/openai/errorBodies.ts';
import { classifyError } from '../../../src/services/openai/failures.ts';
import { ResponsesOnlyModels } from '../../../src/services/openai/responsesOnly.ts';
import { findLanguage } from '../../../src/services/translate/languages.ts';
import { builtContext } from '../../support/builtContext.ts';

/** OpenAI's answer to a chat request for o3-pro, as n8n-io/n8n#18352 quotes it in full. */
const OPENAI_BODY = '{"error": {"message": "This model is only supported in v1/responses and not in v1/chat/completions.", "type": "invalid_request_error", "param": "model", "code": null}}';
const httpError = (status: number, body: string, contentType = 'application/json') =>
  APIError.generate(status, { error: normaliseErrorBody(body, contentType, []) }, undefined, new Headers());

describe('which models answer only through the Responses API', () => {
  test.each([
    ['o1-pro', true], ['o3-pro-2025-06-10', true], ['o3-deep-research', true], ['o4-mini-deep-research', true], ['computer-use-preview', true],
    ['codex-mini-latest', true], ['gpt-5-codex', true], ['gpt-5.1-codex-max', true], ['gpt-5-pro', true], ['gpt-5.2-pro', true], ['gpt-5.5-pro', true],
    // A later snapshot of a known one is served the same way.
    ['gpt-5.5-pro-2026-09-01', true],
    // Chat models, and image models that also work in Responses but are no chat models at all.
    ['gpt-4.1-mini', false], ['o3', false], ['gpt-5.4', false], ['gpt-5.1', false], ['gpt-image-1', false], ['ft:gpt-4o-mini:org::abc', false],
  ])('on OpenAI\'s own API, %s: %s', (model, expected) => {
    expect(new ResponsesOnlyModels(true).has(model)).toBe(expected);
  });

  test('elsewhere the list is not presumed (a proxy may bridge to Responses, a local server serve the name): only what the server said', () => {
    const models = new ResponsesOnlyModels(false);
    expect(models.has('o3-pro')).toBe(false);
    expect(models.learn('o3-pro')).toBe(true);
    expect(models.learn('o3-pro')).toBe(false);
    expect(models.has('o3-pro')).toBe(true);
    expect(models.has('o3-pro-2025-06-10')).toBe(false);
  });

  test('what servers said is kept for the process, bounded: the oldest name goes first', () => {
    const models = new ResponsesOnlyModels(false);
    for (let n = 0; n < 300; n++) models.learn(`agent-${n}`);
    expect(models.has('agent-299')).toBe(true);
    expect(models.has('agent-0')).toBe(false);
    expect(models.has('agent-44')).toBe(true);
  });
});

describe('OpenAI\'s answer is read as "Responses only", not "model not found" nor a bad request', () => {
  test.each([
    ['OpenAI\'s 404', httpError(404, OPENAI_BODY)],
    ['a relay that sends it as a 400', httpError(400, OPENAI_BODY)],
    ['a relay\'s 404 in its own words', httpError(404, '{"error": {"message": "openai error: This model is only supported in /v1/responses and not in /v1/chat/completions.", "type": "NotFoundError", "code": "404"}}')],
    ['an error event in a stream', new APIError(undefined, { message: 'This model is only supported in v1/responses and not in v1/chat/completions.', type: 'invalid_request_error' }, undefined, new Headers())],
  ])('%s', (_name, error) => {
    expect(classifyError(error, false, { endpoint: 'chat', model: 'o3-pro' })).toEqual({ kind: 'responses_only', model: 'o3-pro', setBy: 'admin' });
  });

  // Taken as Responses-only, the model would be refused until restart: a server that only quotes the sentence must not do that.
  test.each([
    ['a 500 with OpenAI\'s very body', httpError(500, OPENAI_BODY), { kind: 'server_error', status: 500 }],
    ['a proxy that wraps it in a 500 with its own words', httpError(500, '{"error": {"message": "openai error: This model is only supported in /v1/responses and not in /v1/chat/completions.", "type": "APIError", "code": "500"}}'), { kind: 'server_error', status: 500 }],
    ['a 502 page that quotes it', httpError(502, 'upstream said: This model is only supported in v1/responses', 'text/plain'), { kind: 'server_error', status: 502 }],
    ['an error event coded 500', new APIError(undefined, { message: 'This model is only supported in v1/responses and not in v1/chat/completions.', type: 'invalid_request_error', code: '500' }, undefined, new Headers()), { kind: 'server_error', status: 500 }],
    ['a 400 of another type that quotes it', httpError(400, '{"error": {"message": "Bad input: This model is only supported in v1/responses", "type": "validation_error", "code": null}}'), { kind: 'bad_request', message: 'Bad input: This model is only supported in v1/responses' }],
  ] as const)('%s is not', (_name, error, expected) => {
    expect(classifyError(error, false, { endpoint: 'chat', model: 'o3-pro' })).toEqual(expected);
  });

  test('other 404s keep their meaning', () => {
    const notFound = '{"error": {"message": "The model `gpt-9` does not exist or you do not have access to it.", "type": "invalid_request_error", "param": null, "code": "model_not_found"}}';
    expect(classifyError(httpError(404, notFound), false, { endpoint: 'chat', model: 'gpt-9' })).toEqual({ kind: 'model_not_found', model: 'gpt-9' });
    const notChat = '{"error": {"message": "This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?", "type": "invalid_request_error", "param": "model", "code": null}}';
    expect(classifyError(httpError(404, notChat), false, { endpoint: 'chat', model: 'davinci-002' })).toEqual({ kind: 'model_not_found', model: 'davinci-002' });
  });

  test.each([
    ['en', 'admin', "`o3-pro` works only through OpenAI's Responses API, which this bot doesn't use, so it can't answer here. Nothing was charged. A server admin can choose another model with `/settings model`."],
    ['zh-TW', 'admin', '`o3-pro` 只能透過 OpenAI 的 Responses API 使用，而這個機器人不使用這個 API，所以無法在這裡回答。這次沒有收費。伺服器管理員可以用 `/settings model` 改選其他模型。'],
    ['zh-CN', 'operator', '`o3-pro` 只能通过 OpenAI 的 Responses API 使用，而这个机器人不使用这个 API，所以无法在这里回答。这次没有收费。机器人的部署者需要改选其他模型。'],
    ['ja', 'operator', '`o3-pro` は OpenAI の Responses API でしか使えず、このボットはその API を使わないため、ここでは回答できません。料金はかかっていません。ボットの運営者が別のモデルを選ぶ必要があります。'],
  ] as const)('told in %s, to whoever can choose another model (%s)', (language, setBy, words) => {
    expect(describeFailure({ kind: 'responses_only', setBy }, language, 'o3-pro')).toBe(words);
  });
});

describe('start-up with a Responses-only DEFAULT_MODEL or VISION_MODEL', () => {
  test('on OpenAI\'s own API (OPENAI_BASE_URL unset): the operator is warned for each, and the bot refuses them', async () => {
    const { ctx, lines, close } = await builtContext({ DEFAULT_MODEL: 'o3-pro', VISION_MODEL: 'computer-use-preview' });
    try {
      const warned = (name: string, model: string) => lines.some((line) => line.includes(`${name} is served only through OpenAI's Responses API`) && line.includes(`"model":"${model}"`) && line.includes('"level":40'));
      expect(warned('DEFAULT_MODEL', 'o3-pro')).toBe(true);
      expect(warned('VISION_MODEL', 'computer-use-preview')).toBe(true);
      expect(ctx.services.responsesOnly.has('gpt-5-pro')).toBe(true);
      expect(ctx.services.responsesOnly.has('gpt-4.1-mini')).toBe(false);
      // /settings model doesn't suggest them there.
      expect(ctx.services.settings.modelChoices('1', 'pro', (model) => !ctx.services.responsesOnly.has(model))).toEqual([]);
      expect(ctx.services.settings.modelChoices('1', 'pro')).toEqual(expect.arrayContaining(['o3-pro', 'gpt-5-pro']));
    } finally {
      close();
    }
  });

  test('on OpenAI\'s own API a question to one is refused before anything is sent (this machine reaches no OpenAI: a request would fail as the network)', async () => {
    const { ctx, close } = await builtContext({ DEFAULT_MODEL: 'gpt-4.1-mini' });
    try {
      const payer = { guildId: '1', userId: '2', roleIds: [], channelId: '3' };
      const outcome = await ctx.services.translate.translate({ text: 'Good morning', target: findLanguage('ja')!, model: 'computer-use-preview', payer, command: 'translate', log: ctx.logger });
      expect(outcome).toEqual({ kind: 'failed', failure: { kind: 'responses_only', model: 'computer-use-preview', setBy: 'admin' } });
      expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM ledger').get()).toEqual({ n: 0 });
    } finally {
      close();
    }
  });

  test('on a compatible server, which may serve the name through chat: no warning', async () => {
    const { ctx, lines, close } = await builtContext({ DEFAULT_MODEL: 'o3-pro', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    try {
      expect(lines.some((line) => line.includes('Responses API'))).toBe(false);
      expect(ctx.services.responsesOnly.has('o3-pro')).toBe(false);
    } finally {
      close();
    }
  });
});
