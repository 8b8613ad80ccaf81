/** /v1/files and /v1/fine_tuning/jobs (compact but with the real object shapes). */
import { countTokens as countO200k } from 'gpt-tokenizer';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import type { FileObject } from 'openai/resources/files';
import type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import {
  checkNumber,
  invalidRequest,
  invalidType,
  invalidValue,
  isScriptedError,
  missingParam,
  scriptedError,
  unknownParam,
  type ScriptedError,
} from './fakeOpenAIErrors.ts';
import { isMultipart, nowSeconds, randomId, ScriptQueue, type Exchange, type FakeEnv } from './fakeOpenAIHttp.ts';

const PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
export const FINE_TUNABLE_MODELS = [
  'gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'gpt-4o-2024-08-06', 'gpt-4.1', 'gpt-4.1-2025-04-14', 'gpt-4.1-mini',
  'gpt-4.1-mini-2025-04-14', 'gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14', 'gpt-3.5-turbo', 'gpt-3.5-turbo-0125',
];
const JOB_PARAMS = new Set([
  'model', 'training_file', 'hyperparameters', 'integrations', 'metadata', 'method', 'seed', 'suffix', 'validation_file',
]);
type Status = FineTuningJob['status'];
/** OpenAI's metadata limits: up to 16 pairs, keys up to 64 characters, string values up to 512. */
const METADATA_MAX_PAIRS = 16;
const METADATA_KEY_MAX = 64;
const METADATA_VALUE_MAX = 512;

/** A scripted answer to the next job create(s). */
export type JobCreateReply =
  /** Refused before any job exists (a 429, a 5xx, a 400). */
  | ScriptedError
  /** The job is created, then the connection is closed with no answer (a proxy or the network dropped it). */
  | { afterCreate: 'drop'; times?: number }
  /** The job is created, and no answer comes until the client gives up (its timeout). */
  | { afterCreate: 'stall'; times?: number }
  /** The job is created, and the answer arrives cut short: a 200 whose JSON body can't be read (a proxy broke it). */
  | { afterCreate: 'garbled'; times?: number }
  /** The job is created, then a gateway in front of OpenAI answers a quick 502 page instead of the job (its upstream answer was lost). */
  | { afterCreate: 'bad_gateway'; times?: number }
  /** The connection is closed before any job exists (the request never got far enough). */
  | { dropBeforeCreate: true; times?: number };
/** A scripted answer to the next job list(s). */
export type JobListReply = ScriptedError | { drop: true; times?: number };
/** A scripted answer to the next job retrieve(s), whatever the job: an error (a 5xx), or the connection closed with no answer. */
export type JobRetrieveReply = ScriptedError | { drop: true; times?: number };

type Example = { messages: Record<string, unknown>[]; tools?: unknown; functions?: unknown };

/**
 * Billable tokens of one epoch, as OpenAI counts a chat example: each message's content plus 4 framing
 * tokens, plus 3 priming the reply; cl100k for gpt-3.5, o200k for the newer models. What else it trains on is
 * billed too: a message's name (and 1 more token), its tool or function calls, the example's tool and function
 * definitions (as their JSON).
 */
function tokensPerEpoch(model: string, jsonl: string): { tokens: number; examples: number } {
  const count = model.startsWith('gpt-3.5') ? countCl100k : countO200k;
  const json = (value: unknown) => (value === undefined ? 0 : count(JSON.stringify(value)));
  const lines = jsonl.split('\n').filter((line) => line.trim() !== '');
  const tokens = lines.reduce((sum, line) => {
    const example = JSON.parse(line) as Example;
    const messages = example.messages.reduce((m, message) => m + 4 + (typeof message.content === 'string' ? count(message.content) : 0)
      + (typeof message.name === 'string' ? count(message.name) + 1 : 0) + json(message.tool_calls) + json(message.function_call), 0);
    return sum + 3 + messages + json(example.tools) + json(example.functions);
  }, 0);
  return { tokens, examples: lines.length };
}

/** OpenAI's cookbook rule for `n_epochs: "auto"`: 3, raised so ~100 examples are seen, lowered past 25,000, within 1–25. */
function autoEpochs(examples: number): number {
  if (examples * 3 < 100) return Math.min(25, Math.floor(100 / examples));
  if (examples * 3 > 25_000) return Math.max(1, Math.floor(25_000 / examples));
  return 3;
}

/** What the fake tracks beside the public job: the plan of its training and the steps done. */
interface Training {
  tokensPerEpoch: number;
  epochs: number;
  totalSteps: number;
  stepsDone: number;
}
const RANK: Record<Status, number> = { validating_files: 0, queued: 1, running: 2, succeeded: 3, failed: 3, cancelled: 3 };

/** Returns null when valid, else the reason (1-based line number). */
export function checkFineTuneJsonl(text: string): string | null {
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      return `Line ${i + 1} is not valid JSON.`;
    }
    const messages = (row as { messages?: unknown } | null)?.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      return `Line ${i + 1} is missing a non-empty "messages" array.`;
    }
    if (!messages.every((m: { role?: unknown } | null) => typeof m?.role === 'string')) {
      return `Line ${i + 1}: every message needs a "role".`;
    }
  }
  return lines.some((l) => l.trim() !== '') ? null : 'The file is empty.';
}

const notFound = (what: string, id: string) => invalidRequest(`No such ${what} object: ${id}`, 'id', null, 404);

/** A scripted answer to the next upload(s): the file is stored, then the connection drops with no answer. */
export type FileCreateReply =
  | { afterStore: 'drop'; times?: number }
  /** The file is stored, then a gateway in front of OpenAI answers a quick 502 page instead of it. */
  | { afterStore: 'bad_gateway'; times?: number }
  /** The file is stored and a 200 starts, then its body stops halfway with the connection left open (a stalled proxy). */
  | { afterStore: 'stall_body'; times?: number }
  | ScriptedError;

export class FakeFiles {
  readonly store = new Map<string, { object: FileObject; data: Buffer }>();
  private readonly createQueue = new ScriptQueue<FileCreateReply>();

  reset(): void {
    this.store.clear();
    this.createQueue.clear();
  }

  /** Scripts the next upload(s); unscripted uploads answer normally. */
  enqueueCreate(...replies: FileCreateReply[]): this {
    for (const r of replies) this.createQueue.enqueue(r);
    return this;
  }

  add(filename: string, purpose: FileObject['purpose'], data: Buffer): FileObject {
    const object: FileObject = {
      id: randomId('file-', 11),
      object: 'file',
      bytes: data.length,
      created_at: nowSeconds(),
      filename,
      purpose,
      status: 'processed',
    };
    this.store.set(object.id, { object, data });
    return object;
  }

  get(id: string): FileObject {
    const entry = this.store.get(id);
    if (!entry) throw notFound('File', id);
    return entry.object;
  }

  create(ex: Exchange): void {
    const reply = this.createQueue.take();
    if (reply && isScriptedError(reply)) throw scriptedError(reply, '');
    if (!isMultipart(ex.body)) throw missingParam('file');
    const file = ex.body.files.find((f) => f.field === 'file');
    if (!file) throw missingParam('file');
    const purpose = ex.body.fields.purpose;
    if (!purpose) throw missingParam('purpose');
    if (!PURPOSES.includes(purpose)) throw invalidValue('purpose', purpose, PURPOSES);
    if (purpose === 'fine-tune') {
      if (!file.filename.toLowerCase().endsWith('.jsonl')) {
        throw invalidRequest('Invalid file format for Fine-Tuning API. Must be .jsonl', 'file');
      }
      const problem = checkFineTuneJsonl(file.data.toString('utf8'));
      if (problem) throw invalidRequest(`Invalid file format for Fine-Tuning API. ${problem}`, 'file', 'invalid_file_format');
    }
    const stored = this.add(file.filename, purpose as FileObject['purpose'], file.data);
    if (reply?.afterStore === 'stall_body') {
      const text = JSON.stringify(stored);
      ex.res.writeHead(200, { ...ex.headers(), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      return void ex.res.write(text.slice(0, Math.floor(text.length / 2)));
    }
    if (reply?.afterStore === 'bad_gateway') return ex.sendRaw(502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>', 'text/html');
    if (reply) {
      ex.req.socket.destroy();
      return;
    }
    ex.sendJson(200, stored);
  }

  /** `purpose` filters, `order` (default desc) sorts by creation, `limit` 1–10,000 (default 10,000) cuts, as the API does. */
  list(ex: Exchange): void {
    const q = ex.query;
    const limit = q.has('limit') ? checkNumber({ limit: Number(q.get('limit')) }, 'limit', { integer: true, min: 1, max: 10_000 }) ?? 10_000 : 10_000;
    const order = q.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalidValue('order', order, ['asc', 'desc']);
    const purpose = q.get('purpose');
    const all = [...this.store.values()].map((e) => e.object).filter((f) => !purpose || f.purpose === purpose);
    const data = (order === 'desc' ? all.reverse() : all).slice(0, limit);
    ex.sendJson(200, { object: 'list', data, has_more: all.length > data.length, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }

  retrieve(ex: Exchange, id: string): void {
    ex.sendJson(200, this.get(id));
  }

  content(ex: Exchange, id: string): void {
    this.get(id);
    ex.sendText(200, this.store.get(id)!.data.toString('utf8'), 'application/octet-stream');
  }

  delete(ex: Exchange, id: string): void {
    this.get(id);
    this.store.delete(id);
    ex.sendJson(200, { id, object: 'file', deleted: true });
  }
}

function page<T extends { id: string }>(items: T[], ex: Exchange): { object: 'list'; data: T[]; has_more: boolean } {
  const q = ex.query;
  const limit = q.has('limit') ? checkNumber({ limit: Number(q.get('limit')) }, 'limit', { integer: true, min: 1, max: 100 }) : 20;
  const after = q.get('after');
  const start = after ? items.findIndex((i) => i.id === after) + 1 : 0;
  const data = items.slice(start, start + (limit ?? 20));
  return { object: 'list', data, has_more: start + data.length < items.length };
}

export class FakeFineTuning {
  readonly jobs = new Map<string, { job: FineTuningJob; events: FineTuningJobEvent[]; training?: Training }>();
  private readonly createQueue = new ScriptQueue<JobCreateReply>();
  private readonly listQueue = new ScriptQueue<JobListReply>();
  private readonly retrieveQueue = new ScriptQueue<JobRetrieveReply>();
  /**
   * What `n_epochs: "auto"` picks when set: OpenAI bounds auto by nothing but the 1–50 a job takes, so a test can make it
   * pick any of them; unset, the cookbook's rule.
   */
  autoPicks: number | undefined;

  constructor(
    private readonly env: FakeEnv,
    private readonly files: FakeFiles,
  ) {}

  reset(): void {
    this.jobs.clear();
    this.createQueue.clear();
    this.listQueue.clear();
    this.retrieveQueue.clear();
    this.autoPicks = undefined;
  }

  /** Scripts the next job create(s); unscripted creates answer normally. */
  enqueueCreate(...replies: JobCreateReply[]): this {
    for (const r of replies) this.createQueue.enqueue(r);
    return this;
  }

  /** Scripts the next job list(s). */
  enqueueList(...replies: JobListReply[]): this {
    for (const r of replies) this.listQueue.enqueue(r);
    return this;
  }

  /** Scripts the next job retrieve(s); unscripted retrieves answer normally (a 404 for a job not in `jobs`). */
  enqueueRetrieve(...replies: JobRetrieveReply[]): this {
    for (const r of replies) this.retrieveQueue.enqueue(r);
    return this;
  }

  private entry(id: string) {
    const e = this.jobs.get(id);
    if (!e) throw invalidRequest(`Could not find fine-tuning job: ${id}`, 'fine_tuning_job_id', 'fine_tuning_job_not_found', 404);
    return e;
  }

  private event(id: string, message: string, level: FineTuningJobEvent['level'] = 'info', metrics?: Record<string, number>): void {
    this.entry(id).events.push({
      id: randomId('ftevent-', 12), object: 'fine_tuning.job.event', created_at: nowSeconds(), level, message, data: metrics ?? {}, type: metrics ? 'metrics' : 'message',
    });
  }

  /** Training begins: `auto` epochs become a number, and the steps are planned (batch size 1: one step per example). */
  private plan(id: string): Training {
    const entry = this.entry(id);
    if (entry.training) return entry.training;
    const { job } = entry;
    const data = this.files.store.get(job.training_file)?.data.toString('utf8') ?? '';
    const perEpoch = tokensPerEpoch(job.model, data);
    const asked = job.hyperparameters.n_epochs;
    const epochs = typeof asked === 'number' ? asked : this.autoPicks ?? autoEpochs(Math.max(1, perEpoch.examples));
    job.hyperparameters.n_epochs = epochs;
    if (job.method?.supervised?.hyperparameters) job.method.supervised.hyperparameters.n_epochs = epochs;
    entry.training = { tokensPerEpoch: perEpoch.tokens, epochs, totalSteps: Math.max(1, perEpoch.examples) * epochs, stepsDone: 0 };
    return entry.training;
  }

  /** Tokens trained by the steps done so far (all of them once every step is done). */
  private trained(training: Training): number {
    return Math.ceil((training.tokensPerEpoch * training.epochs * training.stepsDone) / training.totalSteps);
  }

  /**
   * Test hook: a running job trains `steps` more steps, each reported like OpenAI's metrics events
   * ("Step 3/20: training loss=1.23", data with step and total_steps). Returns the steps done and in all.
   */
  trainSteps(jobId: string, steps: number): { done: number; total: number } {
    const { job } = this.entry(jobId);
    if (job.status !== 'running') throw new Error(`FakeOpenAI: job ${jobId} is ${job.status}, not running`);
    return this.runSteps(jobId, this.plan(jobId), steps);
  }

  private runSteps(jobId: string, training: Training, steps: number): { done: number; total: number } {
    const end = Math.min(training.totalSteps, training.stepsDone + steps);
    for (let step = training.stepsDone + 1; step <= end; step++) {
      const loss = Number((2 / step).toFixed(4));
      this.event(jobId, `Step ${step}/${training.totalSteps}: training loss=${loss.toFixed(2)}`, 'info', {
        step, train_loss: loss, total_steps: training.totalSteps, train_mean_token_accuracy: Number((1 - loss / 4).toFixed(4)),
      });
    }
    training.stepsDone = end;
    return { done: end, total: training.totalSteps };
  }

  private checkFile(param: string, id: unknown): void {
    if (typeof id !== 'string') throw invalidType(param, 'a string', id);
    const entry = this.files.store.get(id);
    if (!entry) throw invalidRequest(`invalid ${param}: ${id}`, param, `invalid_${param}`);
    if (entry.object.purpose !== 'fine-tune') {
      throw invalidRequest(`File ${id} has purpose '${entry.object.purpose}'; fine-tuning requires purpose 'fine-tune'.`, param, `invalid_${param}`);
    }
  }

  private checkMetadata(metadata: unknown): void {
    if (metadata === undefined || metadata === null) return;
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalidType('metadata', 'an object', metadata);
    const entries = Object.entries(metadata);
    if (entries.length > METADATA_MAX_PAIRS) throw invalidRequest(`Invalid 'metadata': too many properties. Expected at most ${METADATA_MAX_PAIRS}, but got ${entries.length} instead.`, 'metadata', 'object_above_max_properties');
    for (const [key, value] of entries) {
      if (key.length > METADATA_KEY_MAX) throw invalidRequest(`Invalid 'metadata': key too long. Expected at most ${METADATA_KEY_MAX} characters.`, 'metadata', 'string_above_max_length');
      if (typeof value !== 'string') throw invalidType(`metadata.${key}`, 'a string', value);
      if (value.length > METADATA_VALUE_MAX) throw invalidRequest(`Invalid 'metadata.${key}': string too long. Expected at most ${METADATA_VALUE_MAX} characters.`, `metadata.${key}`, 'string_above_max_length');
    }
  }

  async create(ex: Exchange): Promise<void> {
    const b = (typeof ex.body === 'object' && ex.body !== null ? ex.body : {}) as Record<string, unknown>;
    const reply = this.createQueue.take();
    if (reply && isScriptedError(reply)) throw scriptedError(reply, typeof b.model === 'string' ? b.model : '');
    if (reply && 'dropBeforeCreate' in reply) {
      ex.req.socket.destroy();
      return;
    }
    for (const key of Object.keys(b)) if (!JOB_PARAMS.has(key)) throw unknownParam(key);
    if (b.model === undefined) throw missingParam('model');
    if (typeof b.model !== 'string') throw invalidType('model', 'a string', b.model);
    if (b.training_file === undefined) throw missingParam('training_file');
    this.checkFile('training_file', b.training_file);
    if (b.validation_file !== undefined && b.validation_file !== null) this.checkFile('validation_file', b.validation_file);
    if (!FINE_TUNABLE_MODELS.includes(b.model) && !(b.model.startsWith('ft:') && this.env.hasModel(b.model))) {
      throw invalidRequest(`Model ${b.model} is not available for fine-tuning or does not exist.`, 'model', 'model_not_available');
    }
    if (b.suffix !== undefined && b.suffix !== null && (typeof b.suffix !== 'string' || b.suffix.length > 64)) {
      throw invalidRequest("Invalid 'suffix': expected a string of at most 64 characters.", 'suffix', 'invalid_value');
    }
    this.checkMetadata(b.metadata);
    const hp = { batch_size: 'auto', learning_rate_multiplier: 'auto', n_epochs: 'auto', ...(b.hyperparameters as object | undefined) };
    if (hp.n_epochs !== 'auto') {
      checkNumber({ 'hyperparameters.n_epochs': hp.n_epochs }, 'hyperparameters.n_epochs', { integer: true, min: 1, max: 50 });
    }
    const job = {
      id: randomId('ftjob-', 12),
      object: 'fine_tuning.job',
      created_at: nowSeconds(),
      error: null,
      fine_tuned_model: null,
      finished_at: null,
      hyperparameters: hp,
      model: b.model,
      organization_id: 'org-fake',
      result_files: [],
      seed: typeof b.seed === 'number' ? b.seed : Math.floor(Math.random() * 2 ** 31),
      status: 'validating_files',
      trained_tokens: null,
      training_file: b.training_file as string,
      validation_file: (b.validation_file as string | undefined) ?? null,
      estimated_finish: null,
      integrations: [],
      metadata: (b.metadata as Record<string, string> | undefined) ?? null,
      method: { type: 'supervised', supervised: { hyperparameters: hp } },
      user_provided_suffix: (b.suffix as string | undefined) ?? null,
    } as FineTuningJob;
    this.jobs.set(job.id, { job, events: [] });
    this.event(job.id, `Created fine-tuning job: ${job.id}`);
    this.event(job.id, `Validating training file: ${job.training_file}`);
    const after = reply && 'afterCreate' in reply ? reply.afterCreate : undefined;
    if (after === 'drop') {
      ex.req.socket.destroy();
      return;
    }
    // Held until the client gives up (its timeout closes the connection) or the fake closes.
    if (after === 'garbled') return ex.sendRaw(200, JSON.stringify(job).slice(0, 40), 'application/json');
    if (after === 'bad_gateway') return ex.sendRaw(502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>', 'text/html');
    if (after === 'stall') return new Promise<void>((resolve) => ex.res.once('close', resolve));
    ex.sendJson(200, job);
  }

  list(ex: Exchange): void {
    const reply = this.listQueue.take();
    if (reply && isScriptedError(reply)) throw scriptedError(reply, '');
    if (reply) {
      ex.req.socket.destroy();
      return;
    }
    // `metadata[k]=v` keeps the jobs whose metadata has k = v, as the API filters (one or more pairs, all must hold).
    const filters = [...ex.query.entries()].flatMap(([key, value]) => {
      const name = /^metadata\[(.+)\]$/.exec(key)?.[1];
      return name === undefined ? [] : [[name, value] as const];
    });
    const jobs = [...this.jobs.values()].map((e) => e.job).filter((job) => filters.every(([k, v]) => job.metadata?.[k] === v));
    ex.sendJson(200, page(jobs.reverse(), ex));
  }

  retrieve(ex: Exchange, id: string): void {
    const reply = this.retrieveQueue.take();
    if (reply && isScriptedError(reply)) throw scriptedError(reply, '');
    if (reply) {
      ex.req.socket.destroy();
      return;
    }
    ex.sendJson(200, this.entry(id).job);
  }

  events(ex: Exchange, id: string): void {
    ex.sendJson(200, page([...this.entry(id).events].reverse(), ex));
  }

  cancel(ex: Exchange, id: string): void {
    const { job } = this.entry(id);
    if (RANK[job.status] === 3) {
      throw invalidRequest(`Job ${id} has already finished (status: ${job.status}) and cannot be cancelled.`, null, 'invalid_request');
    }
    this.advance(id, 'cancelled');
    ex.sendJson(200, job);
  }

  /**
   * Test hook: moves a job forward (validating_files → queued → running → succeeded/failed/cancelled).
   * `detail` is the fine-tuned model id for 'succeeded' (default `ft:<model>:fake-org:<suffix>:<rand>`)
   * or the error message for 'failed'. Throws on backwards/terminal moves.
   */
  advance(jobId: string, status: Status, detail?: string): FineTuningJob {
    const { job } = this.entry(jobId);
    if (RANK[job.status] === 3 || RANK[status] <= RANK[job.status]) {
      throw new Error(`FakeOpenAI: cannot move fine-tuning job ${jobId} from ${job.status} to ${status}`);
    }
    job.status = status;
    if (status === 'queued') this.event(jobId, 'Files validated, moving job to queued state');
    if (status === 'running') {
      this.plan(jobId);
      this.event(jobId, 'Fine-tuning job started');
    }
    // A cancelled job reports no trained tokens (null, as while running): its step events say how far it got.
    if (status === 'cancelled') {
      job.finished_at = nowSeconds();
      this.event(jobId, 'Fine-tuning job cancelled');
    }
    if (status === 'failed') {
      const message = detail ?? 'The job failed due to an internal error.';
      const training = this.jobs.get(jobId)?.training;
      // Failed while training: the tokens trained so far are reported; failed at validation: none.
      if (training && training.stepsDone > 0) job.trained_tokens = this.trained(training);
      job.error = training?.stepsDone ? { code: 'server_error', message, param: null } : { code: 'invalid_training_file', message, param: 'training_file' };
      job.finished_at = nowSeconds();
      this.event(jobId, message, 'error');
    }
    if (status === 'succeeded') {
      const suffix = (job as { user_provided_suffix?: string | null }).user_provided_suffix ?? '';
      job.fine_tuned_model = detail ?? `ft:${job.model}:fake-org:${suffix}:${randomId('', 4)}`;
      job.finished_at = nowSeconds();
      const training = this.plan(jobId);
      this.runSteps(jobId, training, training.totalSteps - training.stepsDone);
      job.trained_tokens = this.trained(training);
      job.result_files = [this.files.add('step_metrics.csv', 'fine-tune-results', Buffer.from('step,train_loss\n1,0.5\n')).id];
      this.env.addModel(job.fine_tuned_model, 'org-fake');
      this.event(jobId, `New fine-tuned model created: ${job.fine_tuned_model}`);
      this.event(jobId, 'The job has successfully completed');
    }
    return job;
  }
}
