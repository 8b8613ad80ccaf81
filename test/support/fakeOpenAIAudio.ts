/** POST /v1/audio/transcriptions (multipart). */
import {
  checkNumber,
  invalidRequest,
  invalidType,
  invalidValue,
  isScriptedError,
  modelNotFound,
  scriptedError,
  unknownParam,
  type ScriptedError,
} from './fakeOpenAIErrors.ts';
import { createHash } from 'node:crypto';
import { isMultipart, ScriptQueue, sleep, type Exchange, type FakeEnv, type MultipartBody } from './fakeOpenAIHttp.ts';

export interface AudioTextReply {
  text: string;
  /** Seconds (default: the length registered for the uploaded file, else 2). */
  duration?: number;
  /** Answer without a `usage` object (an OpenAI-compatible server may). */
  omitUsage?: boolean;
  /** The audio is billed as usual, but the answer's `usage` is rewritten (a proxy's zeros): billing itself is unchanged. */
  usage?: (usage: Record<string, unknown>) => Record<string, unknown>;
  /** After the delay, close the connection without answering (the work is billed all the same). */
  dropConnection?: boolean;
  /** Language name reported by verbose_json (default from `language` field, else 'english'). */
  language?: string;
  delayMs?: number;
  /**
   * Answer in this shape whatever `response_format` asked, like a compatible server that speaks only one: `text`
   * (text/plain), `verbose_json` (without usage), or a broken 200: `cut-json` (a JSON body cut short by a proxy, its
   * content-length matching the bytes sent), `null` (the JSON `null`), `empty` (no body), `no-text` (`{}`). Billed all the same.
   */
  answerAs?: 'text' | 'verbose_json' | 'cut-json' | 'null' | 'empty' | 'no-text';
}
/** An error, answered after `delayMs` (a gateway giving up on a transcription that had started). */
export type AudioReply = AudioTextReply | (ScriptedError & { delayMs?: number });

export const AUDIO_EXTENSIONS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'];
/**
 * The length of a plain PCM WAV as a decoder plays it (the bytes of its data chunk over the byte rate),
 * so uploads nobody registered are billed their real length; undefined for anything else.
 */
function pcmWavSeconds(data: Uint8Array): number | undefined {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (view.length < 12 || view.toString('latin1', 0, 4) !== 'RIFF' || view.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let byteRate = 0;
  for (let at = 12; at + 8 <= view.length;) {
    const id = view.toString('latin1', at, at + 4);
    const size = view.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= view.length) byteRate = view.readUInt32LE(at + 16);
    if (id === 'data') return byteRate > 0 ? Math.min(size, view.length - at - 8) / byteRate : undefined;
    at += 8 + size + (size % 2);
  }
  return undefined;
}

const MODELS = ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe', 'gpt-4o-transcribe-diarize'];
const FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt', 'diarized_json'];
const FIELDS = new Set([
  'model', 'language', 'prompt', 'response_format', 'temperature', 'timestamp_granularities[]', 'include[]',
  'chunking_strategy', 'stream', 'known_speaker_names[]', 'known_speaker_references[]',
]);
const LANGUAGES: Record<string, string> = {
  en: 'english', fr: 'french', de: 'german', es: 'spanish', it: 'italian', pt: 'portuguese', nl: 'dutch',
  ja: 'japanese', zh: 'chinese', ko: 'korean', ru: 'russian', pl: 'polish', uk: 'ukrainian',
};

const fieldRequired = (field: string) =>
  invalidRequest(`1 validation error for Request\nbody -> ${field}\n  field required (type=value_error.missing)`);

function validate(ex: Exchange, env: FakeEnv): MultipartBody & { model: string; format: string } {
  const body = ex.body;
  if (!isMultipart(body)) {
    const ct = ex.req.headers['content-type'] ?? '';
    throw invalidRequest(
      `Invalid Content-Type header (${ct}), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')`,
    );
  }
  for (const key of Object.keys(body.fields)) if (!FIELDS.has(key)) throw unknownParam(key);
  const file = body.files.find((f) => f.field === 'file');
  if (!file) throw fieldRequired('file');
  const model = body.fields.model;
  if (!model) throw fieldRequired('model');
  if (!env.hasModel(model)) throw modelNotFound(model);
  if (!MODELS.includes(model)) throw invalidValue('model', model, MODELS);
  const ext = file.filename.includes('.') ? file.filename.split('.').pop()!.toLowerCase() : '';
  if (!AUDIO_EXTENSIONS.includes(ext)) {
    throw invalidRequest(`Invalid file format. Supported formats: [${AUDIO_EXTENSIONS.map((e) => `'${e}'`).join(', ')}]`);
  }
  if (file.data.length === 0) {
    throw invalidRequest('Audio file is too short. Minimum audio length is 0.1 seconds.', 'file', 'audio_too_short');
  }
  const format = body.fields.response_format ?? 'json';
  if (!FORMATS.includes(format)) throw invalidValue('response_format', format, FORMATS);
  const allowed = model === 'whisper-1' ? FORMATS.slice(0, 5) : model.endsWith('diarize') ? ['json', 'text', 'diarized_json'] : ['json', 'text'];
  if (!allowed.includes(format)) {
    throw invalidRequest(
      `response_format '${format}' is not compatible with model '${model}'. Use ${allowed.map((f) => `'${f}'`).join(' or ')} instead.`,
      'response_format',
      'unsupported_value',
    );
  }
  const language = body.fields.language;
  if (language !== undefined && !/^[a-z]{2}$/.test(language)) {
    throw invalidRequest(
      `Invalid language '${language}'. Language parameter must be specified in ISO-639-1 format.`,
      'language',
      'invalid_language_format',
    );
  }
  if (body.fields.temperature !== undefined) {
    const t = Number(body.fields.temperature);
    if (Number.isNaN(t)) throw invalidType('temperature', 'a number', body.fields.temperature);
    checkNumber({ temperature: t }, 'temperature', { min: 0, max: 1 });
  }
  return { ...body, model, format };
}

const stamp = (s: number, sep: string): string => {
  const ms = Math.round(s * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`;
};

const fingerprint = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export class FakeAudio {
  /** Every transcription upload (fields + files with their bytes), oldest first. */
  readonly requests: MultipartBody[] = [];
  /** What this fake billed, per accepted request, as OpenAI would: the real length of the audio, once per request. */
  readonly billed: { model: string; seconds: number; usage: unknown }[] = [];
  /**
   * True lengths of files a test built, keyed by content: the fake bills these, never what the file's header says.
   * (Known from how the test made the file, independently of the bot's own measuring.)
   */
  private readonly lengths = new Map<string, number>();
  private readonly queue = new ScriptQueue<AudioReply>();
  private fallback: AudioTextReply = { text: 'Hello from the fake transcription.' };

  constructor(private readonly env: FakeEnv) {}

  enqueue(...replies: AudioReply[]): this {
    for (const r of replies) this.queue.enqueue(r);
    return this;
  }

  setDefault(reply: AudioTextReply): this {
    this.fallback = reply;
    return this;
  }

  /** The last uploaded audio file. */
  get lastFile(): MultipartBody['files'][number] | undefined {
    return this.requests.at(-1)?.files.find((f) => f.field === 'file');
  }

  /** The real length of a file the test built; requests carrying exactly these bytes are billed for it. */
  registerLength(bytes: Uint8Array, seconds: number): this {
    this.lengths.set(fingerprint(bytes), seconds);
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.billed.length = 0;
    this.queue.clear();
    this.fallback = { text: 'Hello from the fake transcription.' };
  }

  async handle(ex: Exchange): Promise<void> {
    if (isMultipart(ex.body)) this.requests.push(ex.body);
    const { model, format, fields, files } = validate(ex, this.env);
    const reply = this.queue.take() ?? this.fallback;
    if (isScriptedError(reply)) {
      await sleep(reply.delayMs ?? 0, this.env.signal);
      throw scriptedError(reply, model);
    }
    const upload = files.find((f) => f.field === 'file')!;
    const duration = this.lengths.get(fingerprint(upload.data)) ?? reply.duration ?? pcmWavSeconds(upload.data) ?? 2;
    const text = reply.text;
    const sentences = text.match(/[^.!?]+[.!?]*\s*/g)?.map((s) => s.trim()) ?? [text];
    const step = duration / sentences.length;
    const seg = sentences.map((s, i) => ({ start: +(i * step).toFixed(2), end: +((i + 1) * step).toFixed(2), text: s }));
    // whisper-1 bills whole seconds; the gpt-4o models bill tokens, here at the ~1,000 audio tokens a minute
    // OpenAI's per-minute estimates imply, and a transcript's text at about 4 characters a token.
    const audioTokens = Math.ceil((duration * 1000) / 60);
    const outputTokens = Math.ceil(text.length / 4);
    const usage =
      model === 'whisper-1'
        ? { type: 'duration', seconds: Math.ceil(duration) }
        : {
            type: 'tokens',
            input_tokens: audioTokens,
            input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
            output_tokens: outputTokens,
            total_tokens: audioTokens + outputTokens,
          };
    // OpenAI bills the work once it has the upload, whether or not the answer reaches the client.
    this.billed.push({ model, seconds: duration, usage });
    await sleep(reply.delayMs ?? 0, this.env.signal);
    if (reply.dropConnection) {
      ex.res.destroy();
      return;
    }
    if (reply.answerAs === 'cut-json') {
      const whole = JSON.stringify({ text, usage });
      return ex.sendRaw(200, whole.slice(0, Math.floor(whole.length / 2)), 'application/json');
    }
    if (reply.answerAs === 'null' || reply.answerAs === 'empty' || reply.answerAs === 'no-text') {
      return ex.sendRaw(200, { null: 'null', empty: '', 'no-text': '{}' }[reply.answerAs], 'application/json');
    }
    if (reply.answerAs === 'verbose_json') return ex.sendJson(200, { task: 'transcribe', language: 'english', duration, text, segments: [] });
    switch (reply.answerAs ?? format) {
      case 'text':
        return ex.sendText(200, `${text}\n`);
      case 'srt':
        return ex.sendText(200, seg.map((s, i) => `${i + 1}\n${stamp(s.start, ',')} --> ${stamp(s.end, ',')}\n${s.text}\n`).join('\n'));
      case 'vtt':
        return ex.sendText(200, `WEBVTT\n\n${seg.map((s) => `${stamp(s.start, '.')} --> ${stamp(s.end, '.')}\n${s.text}\n`).join('\n')}`, 'text/vtt; charset=utf-8');
      case 'verbose_json': {
        const words = (fields['timestamp_granularities[]'] ?? '').split(',').includes('word');
        return ex.sendJson(200, {
          task: 'transcribe',
          language: reply.language ?? LANGUAGES[fields.language ?? 'en'] ?? 'english',
          duration,
          text,
          ...(words ? { words: text.split(/\s+/).filter(Boolean).map((w, i, all) => ({ word: w, start: +((i * duration) / all.length).toFixed(2), end: +(((i + 1) * duration) / all.length).toFixed(2) })) } : {}),
          segments: seg.map((s, id) => ({
            id, seek: 0, start: s.start, end: s.end, text: ` ${s.text}`, tokens: [], temperature: 0,
            avg_logprob: -0.2, compression_ratio: 1.2, no_speech_prob: 0.01,
          })),
          usage,
        });
      }
      case 'diarized_json':
        return ex.sendJson(200, {
          task: 'transcribe',
          duration,
          text,
          segments: seg.map((s, i) => ({ type: 'transcript.text.segment', id: `seg_${i}`, start: s.start, end: s.end, speaker: 'A', text: s.text })),
          usage,
        });
      default:
        return ex.sendJson(200, reply.omitUsage ? { text } : { text, usage: reply.usage ? reply.usage(usage) : usage });
    }
  }
}
