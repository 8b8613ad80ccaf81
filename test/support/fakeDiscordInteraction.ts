/**
 * Handle for one interaction dispatched by the fake Discord server. The REST side mutates it as
 * callbacks / webhook requests arrive; tests read it.
 */
import type {
  APIApplicationCommandOptionChoice,
  APIInteraction,
  APIMessage,
  APIModalInteractionResponseCallbackData,
  APIUser,
  InteractionResponseType,
  InteractionType,
} from 'discord-api-types/v10';
import type { RecordedRequest, UploadedFile } from './fakeDiscordState.ts';

export interface FakeCallbackRecord {
  /** callback type (InteractionResponseType) as sent by the bot */
  type: InteractionResponseType | number;
  /** `data` of the callback body */
  data: unknown;
  files: UploadedFile[];
  /** performance.now() when the callback request arrived */
  at: number;
  /** HTTP status the fake answered with (204/200 ok, 404 late, 400 duplicate/invalid, ...) */
  status: number;
  ok: boolean;
  /** error body when !ok */
  error?: unknown;
  withResponse: boolean;
}

export interface FakeEditRecord {
  /** JSON body (payload_json for multipart) */
  body: Record<string, unknown>;
  files: UploadedFile[];
  at: number;
  /** message state after the edit */
  message: APIMessage;
}

export interface FakeInteractionInit {
  id: string;
  token: string;
  applicationId: string;
  type: InteractionType;
  commandName: string;
  commandType: number;
  guildId: string | null;
  channelId: string;
  user: APIUser;
  payload: APIInteraction;
  dispatchedAt: number;
}

type Waiter = { test: (i: FakeInteraction) => boolean; resolve: () => void };

export class FakeInteraction {
  readonly id: string;
  readonly token: string;
  readonly applicationId: string;
  readonly type: InteractionType;
  readonly commandName: string;
  /** ApplicationCommandType (1 chat input, 2 user, 3 message) */
  readonly commandType: number;
  readonly guildId: string | null;
  readonly channelId: string;
  readonly user: APIUser;
  /** The INTERACTION_CREATE `d` payload as dispatched. */
  readonly payload: APIInteraction;
  /** performance.now() when INTERACTION_CREATE was sent */
  readonly receivedAt: number;
  /** performance.now() when the first callback request (whatever its outcome) arrived */
  callbackAt: number | undefined;
  /** Fake clock value at dispatch (used for deadline / token expiry). */
  readonly dispatchedAt: number;

  /** every callback attempt, in order */
  readonly callbacks: FakeCallbackRecord[] = [];
  /** successful PATCH .../messages/@original, in order */
  readonly originalEdits: FakeEditRecord[] = [];
  /** follow-up messages (current state; edits are applied in place), in creation order */
  readonly followUps: APIMessage[] = [];
  /** every callback/webhook request that used this interaction's id/token (incl. rejected ones) */
  readonly requests: RecordedRequest[] = [];

  acknowledged = false;
  responseType: InteractionResponseType | undefined;
  ephemeral = false;
  deferred = false;
  /** set by expire() / FakeDiscord.expireInteraction */
  expired = false;
  autocompleteChoices: APIApplicationCommandOptionChoice[] | undefined;
  modal: APIModalInteractionResponseCallbackData | undefined;
  /** internal: current original message (undefined before a message callback) */
  originalMessage: APIMessage | undefined;
  originalDeleted = false;

  private waiters: Waiter[] = [];

  constructor(init: FakeInteractionInit) {
    this.id = init.id;
    this.token = init.token;
    this.applicationId = init.applicationId;
    this.type = init.type;
    this.commandName = init.commandName;
    this.commandType = init.commandType;
    this.guildId = init.guildId;
    this.channelId = init.channelId;
    this.user = init.user;
    this.payload = init.payload;
    this.dispatchedAt = init.dispatchedAt;
    this.receivedAt = performance.now();
  }

  /** Latest state of the original response message (undefined if none yet or deleted). */
  original(): APIMessage | undefined {
    return this.originalDeleted ? undefined : this.originalMessage;
  }

  /** Visible texts: the original response content (if any) followed by each follow-up's content. */
  transcript(): string[] {
    const out: string[] = [];
    const o = this.original();
    if (o) out.push(o.content);
    for (const f of this.followUps) if (f.id !== o?.id) out.push(f.content);
    return out;
  }

  /** Make the interaction token invalid (as if 15 minutes passed). */
  expire(): void {
    this.expired = true;
    this.changed();
  }

  /** Resolves with the first callback attempt (whatever its status). */
  async callback(timeoutMs = 5000): Promise<FakeCallbackRecord> {
    await this.waitFor((i) => i.callbacks.length > 0, timeoutMs, 'a callback');
    return this.callbacks[0]!;
  }

  /** Resolves once predicate(this) is true (checked now and after every change). */
  waitFor(predicate: (i: FakeInteraction) => boolean, timeoutMs = 5000, what = 'predicate'): Promise<this> {
    if (predicate(this)) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`FakeInteraction ${this.id} (/${this.commandName}): timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = {
        test: predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve(this);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** internal: notify waiters after a state change */
  changed(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(this)) return true;
      w.resolve();
      return false;
    });
  }
}
