/** POST /v1/images/generations with a real (tiny) PNG, plus a tiny PNG encoder. */
import { deflateSync } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import type { ImageGenerateParams, ImagesResponse } from 'openai/resources/images';
import {
  checkNumber,
  FakeApiError,
  invalidRequest,
  invalidType,
  invalidValue,
  isScriptedError,
  missingParam,
  modelNotFound,
  scriptedError,
  unknownParam,
  type ScriptedError,
} from './fakeOpenAIErrors.ts';
import { nowSeconds, randomId, ScriptQueue, sleep, type Exchange, type FakeEnv } from './fakeOpenAIHttp.ts';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid truecolor (RGB, 8-bit) PNG of a solid colour. */
export function makePng(width = 8, height = 8, rgb: [number, number, number] = [16, 163, 127]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, no filter, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A gpt-image answer's `usage` as a compatible server or proxy may rewrite it (undefined: the field is left out). */
export type UsageRewrite = (usage: Record<string, unknown>) => Record<string, unknown> | undefined;

/**
 * How the URL of the answer's image at the same index is served (images served as `url`s): `ok` (default) the PNG;
 * `404` gone; `huge` a PNG padded past Discord's 10 MiB upload limit, all of it sent; `stall` headers and the first
 * bytes, then nothing (the socket stays open); `html` a 200 error page (a host that answers text at any address).
 */
export type HostedFault = 'ok' | '404' | 'huge' | 'stall' | 'html';
/** A little over Discord's 10 MiB upload limit. */
const HUGE_IMAGE_BYTES = 10 * 1024 * 1024 + 64 * 1024;

type Hosted = { png: Buffer; fault: HostedFault };

export type ImageReply =
  /** `usage`: the images are made (and billed) as usual, but the answer's usage is rewritten (a proxy's zeros, a field missing). */
  | { revisedPrompt?: string; delayMs?: number; png?: Buffer; usage?: UsageRewrite; hosted?: HostedFault[] }
  /** The connection is closed after the request arrived, with no answer (as when a proxy or the network drops it). */
  | { drop: true; times?: number }
  /**
   * The image is made and a 200 starts, but the body stops after `bytes` bytes: `declared` (default) keeps the full
   * content-length and closes the connection early (a dropped transfer); `exact` ends cleanly there (a proxy that cut it).
   */
  | { cutBodyAt: number; length?: 'declared' | 'exact'; png?: Buffer }
  /** The image is made and a 200 starts, then the body stalls after `bytes` bytes with the connection left open. */
  | { stallBodyAt: number; png?: Buffer }
  /** An error answered only after `delayMs` (a gateway such as Cloudflare giving up on a slow generation). */
  | (ScriptedError & { delayMs?: number })
  | { error: 'content_policy'; code?: string; times?: number };

const MODELS = ['gpt-image-1', 'gpt-image-1-mini', 'gpt-image-2.6-sunburst', 'dall-e-2', 'dall-e-3'];
type Family = 'dall-e-2' | 'dall-e-3' | 'gpt';
const SIZES: Record<Family, string[]> = {
  'dall-e-2': ['256x256', '512x512', '1024x1024'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
  gpt: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
};
const QUALITIES: Record<Family, string[]> = {
  'dall-e-2': ['standard'],
  'dall-e-3': ['standard', 'hd'],
  gpt: ['low', 'medium', 'high', 'auto'],
};
const PROMPT_MAX: Record<Family, number> = { 'dall-e-2': 1000, 'dall-e-3': 4000, gpt: 32000 };
const COMMON = ['prompt', 'model', 'n', 'size', 'quality', 'user'];
const DALLE_ONLY = ['response_format', 'style'];
const GPT_ONLY = ['background', 'moderation', 'output_compression', 'output_format', 'partial_images', 'stream'];

function checkEnum(body: Record<string, unknown>, param: string, allowed: readonly string[]): void {
  const v = body[param];
  if (v !== undefined && v !== null && !allowed.includes(String(v))) throw invalidValue(param, v, allowed);
}

function validate(body: unknown, env: FakeEnv): { params: ImageGenerateParams; family: Family; model: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw missingParam('prompt');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (![...COMMON, ...DALLE_ONLY, ...GPT_ONLY].includes(key)) throw unknownParam(key);
  const model = b.model ?? 'dall-e-2';
  if (typeof model !== 'string') throw invalidType('model', 'a string', model);
  if (!MODELS.includes(model)) throw invalidValue('model', model, MODELS);
  if (!env.hasModel(model)) throw modelNotFound(model);
  const family: Family = model.startsWith('gpt-image') ? 'gpt' : (model as Family);
  for (const key of family === 'gpt' ? DALLE_ONLY : GPT_ONLY) {
    if (b[key] !== undefined) throw invalidRequest(`Unknown parameter: '${key}'.`, key, 'unknown_parameter');
  }
  if (b.prompt === undefined || b.prompt === null) throw missingParam('prompt');
  if (typeof b.prompt !== 'string') throw invalidType('prompt', 'a string', b.prompt);
  const max = PROMPT_MAX[family];
  if (b.prompt.length > max) {
    throw invalidRequest(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${max}, but got a string with length ${b.prompt.length} instead.`,
      'prompt',
      'string_above_max_length',
    );
  }
  checkNumber(b, 'n', { integer: true, min: 1, max: family === 'dall-e-3' ? 1 : 10 });
  checkEnum(b, 'size', SIZES[family]);
  checkEnum(b, 'quality', QUALITIES[family]);
  checkEnum(b, 'style', ['vivid', 'natural']);
  checkEnum(b, 'response_format', ['url', 'b64_json']);
  checkEnum(b, 'output_format', ['png', 'jpeg', 'webp']);
  checkEnum(b, 'background', ['transparent', 'opaque', 'auto']);
  checkNumber(b, 'output_compression', { integer: true, min: 0, max: 100 });
  if (b.stream === true) throw invalidRequest('Image streaming is not supported by FakeOpenAI.', 'stream');
  return { params: b as unknown as ImageGenerateParams, family, model };
}

/** Image output tokens by size and quality (OpenAI image generation guide, "Cost and latency"). */
const GPT_OUTPUT_TOKENS: Record<string, Record<string, number>> = {
  '1024x1024': { low: 272, medium: 1056, high: 4160 },
  '1024x1536': { low: 408, medium: 1584, high: 6240 },
  '1536x1024': { low: 400, medium: 1568, high: 6208 },
};

/** A 200 JSON answer whose body stops after `bytes` bytes (see ImageReply's `cutBodyAt`). */
function cutBody(ex: Exchange, text: string, bytes: number, length: 'declared' | 'exact'): void {
  const body = Buffer.from(text).subarray(0, bytes);
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(length === 'declared' ? Buffer.byteLength(text) : body.length) });
  if (length === 'exact') return void ex.res.end(body);
  ex.res.write(body, () => ex.req.socket.destroy());
}

/** A 200 JSON answer that sends `bytes` bytes of its body, then nothing more (the socket stays open until the fake closes). */
function stallBody(ex: Exchange, text: string, bytes: number): void {
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  ex.res.write(Buffer.from(text).subarray(0, bytes));
}

export class FakeImages {
  /** Every image generation body received, oldest first. */
  readonly requests: ImageGenerateParams[] = [];
  /** PNGs handed out as `url`s, served without auth at GET /fake-images/<id>.png. */
  private readonly hosted = new Map<string, Hosted>();
  /** The headers of every GET of a hosted image, oldest first (a third party's host must see none of the bot's). */
  readonly hostedRequests: IncomingHttpHeaders[] = [];
  private readonly queue = new ScriptQueue<ImageReply>();

  constructor(private readonly env: FakeEnv) {}

  enqueue(...replies: ImageReply[]): this {
    for (const r of replies) this.queue.enqueue(r);
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.hosted.clear();
    this.hostedRequests.length = 0;
    this.queue.clear();
  }

  async handle(ex: Exchange): Promise<void> {
    if (typeof ex.body === 'object' && ex.body !== null) this.requests.push(ex.body as ImageGenerateParams);
    const { params, family, model } = validate(ex.body, this.env);
    const reply = this.queue.take() ?? {};
    if ('error' in reply && reply.error === 'content_policy') {
      throw new FakeApiError(400, {
        code: reply.code ?? 'content_policy_violation',
        message:
          'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
        param: null,
        type: 'invalid_request_error',
      });
    }
    if (isScriptedError(reply)) {
      await sleep(reply.delayMs ?? 0, this.env.signal);
      throw scriptedError(reply, model);
    }
    if ('drop' in reply) {
      ex.req.socket.destroy();
      return;
    }
    const ok = reply as { revisedPrompt?: string; delayMs?: number; png?: Buffer; usage?: UsageRewrite; hosted?: HostedFault[] };
    await sleep(ok.delayMs ?? 0, this.env.signal);
    const png = ok.png ?? makePng();
    const n = params.n ?? 1;
    const data = Array.from({ length: n }, (_, index) => {
      const revised = family === 'dall-e-3' ? { revised_prompt: ok.revisedPrompt ?? params.prompt } : {};
      if ((family !== 'gpt' && params.response_format !== 'b64_json') || this.env.compat().imagesAsUrls) {
        const id = randomId('img-', 12);
        this.hosted.set(id, { png, fault: ok.hosted?.[index] ?? 'ok' });
        return { url: `${this.env.origin}/fake-images/${id}.png`, ...revised };
      }
      return { b64_json: png.toString('base64'), ...revised };
    });
    const response: ImagesResponse = { created: nowSeconds(), data };
    if (family === 'gpt') {
      const quality = params.quality === 'auto' || !params.quality ? 'medium' : params.quality;
      const size = !params.size || params.size === 'auto' ? '1024x1024' : params.size;
      const textTokens = Math.ceil(params.prompt.length / 4);
      const outputTokens = (GPT_OUTPUT_TOKENS[size]?.[quality] ?? 1056) * n;
      const usage = {
        input_tokens: textTokens,
        input_tokens_details: { image_tokens: 0, text_tokens: textTokens },
        output_tokens: outputTokens,
        total_tokens: textTokens + outputTokens,
      };
      const sent = ok.usage ? ok.usage(usage) : usage;
      Object.assign(response, {
        background: params.background === 'transparent' ? 'transparent' : 'opaque',
        output_format: params.output_format ?? 'png',
        quality,
        size,
        ...(sent === undefined ? {} : { usage: sent }),
      });
    }
    if ('cutBodyAt' in reply) return cutBody(ex, JSON.stringify(response), reply.cutBodyAt, reply.length ?? 'declared');
    if ('stallBodyAt' in reply) return stallBody(ex, JSON.stringify(response), reply.stallBodyAt);
    ex.sendJson(200, response);
  }

  /** GET /fake-images/<id>.png (what `url` responses point at). Returns false when unknown. */
  serveHosted(ex: Exchange, id: string): boolean {
    const hosted = this.hosted.get(id);
    if (!hosted) return false;
    this.hostedRequests.push(ex.req.headers);
    const { png, fault } = hosted;
    if (fault === '404') {
      ex.res.writeHead(404, { 'content-type': 'text/plain' });
      ex.res.end('Not Found');
    } else if (fault === 'html') {
      const page = '<!doctype html><title>Sign in</title><p>Please sign in to view this file.</p>';
      ex.res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(page)) });
      ex.res.end(page);
    } else if (fault === 'huge') {
      const body = Buffer.concat([png, Buffer.alloc(HUGE_IMAGE_BYTES - png.length)]);
      ex.res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(body.length) });
      ex.res.end(body);
    } else if (fault === 'stall') {
      ex.res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
      ex.res.write(png.subarray(0, 16));
    } else {
      ex.res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
      ex.res.end(png);
    }
    return true;
  }
}
