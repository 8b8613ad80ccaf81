/**
 * Request-body validation mimicking Discord's "Invalid Form Body" (code 50035) errors for
 * messages, interaction callbacks and application commands.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  Locale,
  MessageFlags,
  type APIApplicationCommand,
} from 'discord-api-types/v10';

type Path = (string | number)[];
type Obj = Record<string, unknown>;

export interface DiscordErrorBody {
  code: number;
  message: string;
  errors?: Obj;
}

export class FormErrors {
  readonly root: Obj = {};
  count = 0;

  add(path: Path, code: string, message: string): void {
    let node = this.root;
    for (const key of path) node = (node[String(key)] ??= {}) as Obj;
    ((node._errors ??= []) as { code: string; message: string }[]).push({ code, message });
    this.count++;
  }

  get ok(): boolean {
    return this.count === 0;
  }

  body(): DiscordErrorBody {
    return { code: 50035, errors: this.root, message: 'Invalid Form Body' };
  }
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Discord counts characters as Unicode code points. */
export const codePoints = (s: string): number => [...s].length;

function checkString(
  fe: FormErrors,
  path: Path,
  v: unknown,
  opts: { min?: number; max: number; required?: boolean; bad?: 'max' | 'range' },
): v is string {
  if (v === undefined || v === null) {
    if (opts.required) fe.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return false;
  }
  if (typeof v !== 'string') {
    fe.add(path, 'BASE_TYPE_STRING', `Could not interpret "${JSON.stringify(v)}" as string.`);
    return false;
  }
  const len = codePoints(v);
  const min = opts.min ?? 0;
  if (len > opts.max || len < min) {
    if (min > 0) fe.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${opts.max} in length.`);
    else fe.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${opts.max} or fewer in length.`);
    return false;
  }
  return true;
}

function checkArrayMax(fe: FormErrors, path: Path, v: unknown, max: number): v is unknown[] {
  if (v === undefined || v === null) return false;
  if (!Array.isArray(v)) {
    fe.add(path, 'BASE_TYPE_ARRAY', 'Must be an array.');
    return false;
  }
  if (v.length > max) {
    fe.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    return false;
  }
  return true;
}

function isUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return ['http:', 'https:', 'attachment:'].includes(u.protocol);
  } catch {
    return false;
  }
}

function validateEmbed(fe: FormErrors, path: Path, e: unknown): number {
  if (!isObj(e)) {
    fe.add(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return 0;
  }
  let total = 0;
  const str = (max: number, v: unknown, p: Path, required = false) => {
    if (checkString(fe, p, v, { max, required, min: required ? 1 : 0 })) total += codePoints(v as string);
  };
  str(256, e.title, [...path, 'title']);
  str(4096, e.description, [...path, 'description']);
  if (e.url !== undefined && !isUrl(e.url)) fe.add([...path, 'url'], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
  if (e.color !== undefined && e.color !== null && (typeof e.color !== 'number' || !Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff)) {
    fe.add([...path, 'color'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 16777215.');
  }
  if (e.footer !== undefined) {
    if (isObj(e.footer)) str(2048, e.footer.text, [...path, 'footer', 'text'], true);
    else fe.add([...path, 'footer'], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
  }
  if (e.author !== undefined) {
    if (isObj(e.author)) str(256, e.author.name, [...path, 'author', 'name'], true);
    else fe.add([...path, 'author'], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
  }
  for (const key of ['image', 'thumbnail'] as const) {
    const v = e[key];
    if (v !== undefined && (!isObj(v) || !isUrl(v.url))) {
      fe.add([...path, key, 'url'], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
    }
  }
  if (checkArrayMax(fe, [...path, 'fields'], e.fields, 25)) {
    (e.fields as unknown[]).forEach((f, i) => {
      if (!isObj(f)) {
        fe.add([...path, 'fields', i], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
        return;
      }
      str(256, f.name, [...path, 'fields', i, 'name'], true);
      str(1024, f.value, [...path, 'fields', i, 'value'], true);
    });
  }
  return total;
}

export interface MessageValidationOptions {
  /** flags accepted on this route (others are rejected); e.g. Ephemeral only for interactions */
  allowedFlags: number;
  files: number;
}

/** Validate a message create/edit body; errors are added under `path`. */
export function validateMessageBody(fe: FormErrors, path: Path, body: Obj, opts: MessageValidationOptions): void {
  checkString(fe, [...path, 'content'], body.content, { max: 2000 });
  if (checkArrayMax(fe, [...path, 'embeds'], body.embeds, 10)) {
    let total = 0;
    (body.embeds as unknown[]).forEach((e, i) => (total += validateEmbed(fe, [...path, 'embeds', i], e)));
    if (total > 6000) fe.add([...path, 'embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  }
  checkArrayMax(fe, [...path, 'attachments'], body.attachments, 10);
  if (opts.files > 10) fe.add([...path, 'files'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  checkArrayMax(fe, [...path, 'sticker_ids'], body.sticker_ids, 3);
  const flags = body.flags;
  if (flags !== undefined && flags !== null) {
    if (typeof flags !== 'number' || !Number.isInteger(flags)) {
      fe.add([...path, 'flags'], 'NUMBER_TYPE_COERCE', `Value "${String(flags)}" is not int.`);
    } else if (flags & ~opts.allowedFlags) {
      fe.add([...path, 'flags'], 'MESSAGE_FLAGS_INVALID', 'Invalid flags');
    }
  }
  const v2 = typeof flags === 'number' && (flags & MessageFlags.IsComponentsV2) !== 0;
  if (v2) {
    for (const key of ['content', 'embeds', 'poll', 'sticker_ids'] as const) {
      const v = body[key];
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && v !== '') {
        fe.add([...path, key], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', `The '${key}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2`);
      }
    }
    checkArrayMax(fe, [...path, 'components'], body.components, 40);
  } else if (checkArrayMax(fe, [...path, 'components'], body.components, 5)) {
    (body.components as unknown[]).forEach((row, i) => {
      if (!isObj(row) || row.type !== 1) {
        fe.add([...path, 'components', i, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
      } else {
        checkArrayMax(fe, [...path, 'components', i, 'components'], row.components, 5);
      }
    });
  }
  const nonce = body.nonce;
  if (nonce !== undefined && nonce !== null) {
    if (typeof nonce === 'string') checkString(fe, [...path, 'nonce'], nonce, { max: 25 });
    else if (typeof nonce !== 'number' || !Number.isInteger(nonce)) {
      fe.add([...path, 'nonce'], 'NONCE_TYPE_INVALID', 'Nonce must be an integer or string');
    }
  }
  const am = body.allowed_mentions;
  if (am !== undefined && am !== null) {
    if (!isObj(am)) fe.add([...path, 'allowed_mentions'], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    else {
      const parse = Array.isArray(am.parse) ? (am.parse as unknown[]) : [];
      parse.forEach((p, i) => {
        if (p !== 'users' && p !== 'roles' && p !== 'everyone') {
          fe.add([...path, 'allowed_mentions', 'parse', i], 'BASE_TYPE_CHOICES', 'Value must be one of {\'everyone\', \'roles\', \'users\'}.');
        }
      });
      for (const key of ['users', 'roles'] as const) {
        if (checkArrayMax(fe, [...path, 'allowed_mentions', key], am[key], 100) && parse.includes(key) && (am[key] as unknown[]).length > 0) {
          fe.add(
            [...path, 'allowed_mentions'],
            'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
            `parse:["${key}"] and ${key}: [ids...] are mutually exclusive.`,
          );
        }
      }
    }
  }
  if (body.poll !== undefined && body.poll !== null) {
    const poll = body.poll;
    if (!isObj(poll)) fe.add([...path, 'poll'], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    else {
      const q = isObj(poll.question) ? poll.question.text : undefined;
      checkString(fe, [...path, 'poll', 'question', 'text'], q, { min: 1, max: 300, required: true });
      if (!Array.isArray(poll.answers) || poll.answers.length < 1 || poll.answers.length > 10) {
        fe.add([...path, 'poll', 'answers'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 10 in length.');
      }
    }
  }
}

/** Would Discord consider this (resulting) message empty? */
export function isEmptyMessage(m: {
  content?: unknown;
  embeds?: unknown;
  attachments?: unknown;
  components?: unknown;
  poll?: unknown;
  sticker_ids?: unknown;
  sticker_items?: unknown;
}): boolean {
  const nonEmptyArray = (v: unknown) => Array.isArray(v) && v.length > 0;
  return (
    !(typeof m.content === 'string' && m.content.trim().length > 0) &&
    !nonEmptyArray(m.embeds) &&
    !nonEmptyArray(m.attachments) &&
    !nonEmptyArray(m.components) &&
    !nonEmptyArray(m.sticker_ids) &&
    !nonEmptyArray(m.sticker_items) &&
    !(m.poll !== undefined && m.poll !== null)
  );
}

// ---------------------------------------------------------------------------------------------
// Application commands
// ---------------------------------------------------------------------------------------------

const NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const LOCALES = new Set<string>(Object.values(Locale));
const OPTION_TYPES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const CHANNEL_TYPES = new Set<number>(Object.values(ChannelType).filter((v): v is number => typeof v === 'number'));
const T = ApplicationCommandOptionType;
export const COMMAND_LIMITS: Record<number, number> = {
  [ApplicationCommandType.ChatInput]: 100,
  [ApplicationCommandType.User]: 15,
  [ApplicationCommandType.Message]: 15,
  [ApplicationCommandType.PrimaryEntryPoint]: 1,
};

function validateChatName(fe: FormErrors, path: Path, name: unknown): void {
  if (!checkString(fe, path, name, { min: 1, max: 32, required: true })) return;
  if (!NAME_RE.test(name) || name !== name.toLowerCase()) {
    fe.add(path, 'APPLICATION_COMMAND_INVALID_NAME', `Command name is invalid`);
  }
}

function validateLocalizations(fe: FormErrors, path: Path, v: unknown, check: (p: Path, s: unknown) => void): void {
  if (v === undefined || v === null) return;
  if (!isObj(v)) {
    fe.add(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return;
  }
  for (const [k, s] of Object.entries(v)) {
    if (!LOCALES.has(k)) fe.add([...path, k], 'ENUM_TYPE_COERCE', `Value "${k}" is not a valid enum value.`);
    else if (s !== null) check([...path, k], s);
  }
}

/** Approximate character count Discord uses for the 4000 limit. */
function commandSize(c: Obj): number {
  let n = 0;
  const s = (v: unknown) => (typeof v === 'string' ? codePoints(v) : typeof v === 'number' ? String(v).length : 0);
  n += s(c.name) + s(c.description);
  for (const o of Array.isArray(c.options) ? c.options : []) {
    if (!isObj(o)) continue;
    n += commandSize(o);
    for (const ch of Array.isArray(o.choices) ? o.choices : []) if (isObj(ch)) n += s(ch.name) + s(ch.value);
  }
  return n;
}

function validateOption(fe: FormErrors, path: Path, o: unknown, depth: number): void {
  if (!isObj(o)) {
    fe.add(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return;
  }
  const type = o.type;
  if (typeof type !== 'number' || !OPTION_TYPES.includes(type)) {
    fe.add([...path, 'type'], 'BASE_TYPE_CHOICES', `Value must be one of {${OPTION_TYPES.join(', ')}}.`);
    return;
  }
  validateChatName(fe, [...path, 'name'], o.name);
  validateLocalizations(fe, [...path, 'name_localizations'], o.name_localizations, (p, s) => validateChatName(fe, p, s));
  checkString(fe, [...path, 'description'], o.description, { min: 1, max: 100, required: true });
  validateLocalizations(fe, [...path, 'description_localizations'], o.description_localizations, (p, s) =>
    checkString(fe, p, s, { min: 1, max: 100 }),
  );
  const isSub = type === T.Subcommand || type === T.SubcommandGroup;
  if (isSub) {
    if (type === T.SubcommandGroup && depth > 0) {
      fe.add([...path, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Sub-command groups cannot be nested');
    }
    if (type === T.Subcommand && depth > 1) {
      fe.add([...path, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Sub-commands cannot be nested this deep');
    }
    validateOptionList(fe, [...path, 'options'], o.options, depth + 1, type === T.SubcommandGroup ? 'subcommands' : 'values');
  } else if (o.options !== undefined && o.options !== null && !(Array.isArray(o.options) && o.options.length === 0)) {
    fe.add([...path, 'options'], 'APPLICATION_COMMAND_OPTION_OPTIONS_INVALID', 'Only sub-commands and groups may have options');
  }
  const choiceTypes: number[] = [T.String, T.Integer, T.Number];
  if (o.choices !== undefined && o.choices !== null) {
    if (!choiceTypes.includes(type)) {
      fe.add([...path, 'choices'], 'APPLICATION_COMMAND_OPTION_CHOICES_INVALID', 'Choices are only allowed for STRING, INTEGER and NUMBER options');
    } else if (checkArrayMax(fe, [...path, 'choices'], o.choices, 25)) {
      (o.choices as unknown[]).forEach((c, i) => {
        const cp = [...path, 'choices', i];
        if (!isObj(c)) return fe.add(cp, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
        checkString(fe, [...cp, 'name'], c.name, { min: 1, max: 100, required: true });
        const v = c.value;
        if (type === T.String) checkString(fe, [...cp, 'value'], v, { min: 1, max: 100, required: true });
        else if (typeof v !== 'number' || (type === T.Integer && !Number.isInteger(v))) {
          fe.add([...cp, 'value'], 'NUMBER_TYPE_COERCE', `Value "${String(v)}" is not ${type === T.Integer ? 'int' : 'a number'}.`);
        }
      });
      if (o.autocomplete === true && (o.choices as unknown[]).length > 0) {
        fe.add([...path, 'autocomplete'], 'APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE_EXCLUSIVE', 'Autocomplete and choices are mutually exclusive');
      }
    }
  }
  if (o.autocomplete === true && !choiceTypes.includes(type)) {
    fe.add([...path, 'autocomplete'], 'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_INVALID', 'Autocomplete is only allowed for STRING, INTEGER and NUMBER options');
  }
  const numeric = type === T.Integer || type === T.Number;
  for (const key of ['min_value', 'max_value'] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (!numeric) fe.add([...path, key], 'APPLICATION_COMMAND_OPTION_VALUE_INVALID', `${key} is only allowed for INTEGER and NUMBER options`);
    else if (typeof v !== 'number' || Math.abs(v) > 2 ** 53) {
      fe.add([...path, key], 'NUMBER_TYPE_MAX', 'Value must be a number between -2^53 and 2^53.');
    }
  }
  if (typeof o.min_value === 'number' && typeof o.max_value === 'number' && o.min_value > o.max_value) {
    fe.add([...path, 'min_value'], 'APPLICATION_COMMAND_OPTION_MIN_MAX_INVALID', 'min_value must be less than or equal to max_value');
  }
  for (const [key, lo] of [['min_length', 0], ['max_length', 1]] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (type !== T.String) fe.add([...path, key], 'APPLICATION_COMMAND_OPTION_LENGTH_INVALID', `${key} is only allowed for STRING options`);
    else if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > 6000) {
      fe.add([...path, key], 'NUMBER_TYPE_MAX', `int value should be between ${lo} and 6000.`);
    }
  }
  if (typeof o.min_length === 'number' && typeof o.max_length === 'number' && o.min_length > o.max_length) {
    fe.add([...path, 'min_length'], 'APPLICATION_COMMAND_OPTION_MIN_MAX_INVALID', 'min_length must be less than or equal to max_length');
  }
  if (o.channel_types !== undefined && o.channel_types !== null) {
    if (type !== T.Channel) fe.add([...path, 'channel_types'], 'APPLICATION_COMMAND_OPTION_CHANNEL_TYPES_INVALID', 'channel_types is only allowed for CHANNEL options');
    else if (!Array.isArray(o.channel_types) || o.channel_types.some((c) => !CHANNEL_TYPES.has(c as number))) {
      fe.add([...path, 'channel_types'], 'ENUM_TYPE_COERCE', 'Invalid channel type.');
    }
  }
  if (o.required !== undefined && typeof o.required !== 'boolean') {
    fe.add([...path, 'required'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
  }
}

function validateOptionList(fe: FormErrors, path: Path, list: unknown, depth: number, expect: 'any' | 'subcommands' | 'values'): void {
  if (list === undefined || list === null) {
    if (expect === 'subcommands') fe.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (!checkArrayMax(fe, path, list, 25)) return;
  const opts = list as unknown[];
  const names = new Set<string>();
  let seenOptional = false;
  let subs = 0;
  opts.forEach((o, i) => {
    validateOption(fe, [...path, i], o, depth);
    if (!isObj(o)) return;
    const isSub = o.type === T.Subcommand || o.type === T.SubcommandGroup;
    if (isSub) subs++;
    if (expect === 'subcommands' && o.type !== T.Subcommand) {
      fe.add([...path, i, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Sub-command groups may only contain sub-commands');
    }
    if (expect === 'values' && isSub) {
      fe.add([...path, i, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Sub-commands may not contain sub-commands or groups');
    }
    if (typeof o.name === 'string') {
      if (names.has(o.name)) fe.add([...path, i, 'name'], 'APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS', 'Option name must be unique');
      names.add(o.name);
    }
    if (!isSub) {
      if (o.required === true && seenOptional) {
        fe.add(path, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
      }
      if (o.required !== true) seenOptional = true;
    }
  });
  if (subs > 0 && subs < opts.length) {
    fe.add(path, 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-command and sub-command group option types are mutually exclusive to all other types');
  }
}

/** Validate one command create/overwrite body. */
export function validateCommand(fe: FormErrors, path: Path, c: unknown): void {
  if (!isObj(c)) {
    fe.add(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return;
  }
  const type = c.type ?? ApplicationCommandType.ChatInput;
  if (typeof type !== 'number' || !(type in COMMAND_LIMITS)) {
    fe.add([...path, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4}.');
    return;
  }
  if (type === ApplicationCommandType.ChatInput || type === ApplicationCommandType.PrimaryEntryPoint) {
    validateChatName(fe, [...path, 'name'], c.name);
    validateLocalizations(fe, [...path, 'name_localizations'], c.name_localizations, (p, s) => validateChatName(fe, p, s));
    checkString(fe, [...path, 'description'], c.description, { min: 1, max: 100, required: true });
    validateLocalizations(fe, [...path, 'description_localizations'], c.description_localizations, (p, s) =>
      checkString(fe, p, s, { min: 1, max: 100 }),
    );
    validateOptionList(fe, [...path, 'options'], c.options, 0, 'any');
  } else {
    checkString(fe, [...path, 'name'], c.name, { min: 1, max: 32, required: true });
    validateLocalizations(fe, [...path, 'name_localizations'], c.name_localizations, (p, s) =>
      checkString(fe, p, s, { min: 1, max: 32 }),
    );
    if (typeof c.description === 'string' && c.description.length > 0) {
      fe.add([...path, 'description'], 'APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION', 'Context menu commands cannot have description');
    }
    if (Array.isArray(c.options) && c.options.length > 0) {
      fe.add([...path, 'options'], 'APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS', 'Context menu commands cannot have options');
    }
  }
  const dmp = c.default_member_permissions;
  if (dmp !== undefined && dmp !== null && !(typeof dmp === 'string' && /^\d+$/.test(dmp))) {
    fe.add([...path, 'default_member_permissions'], 'BASE_TYPE_STRING', `Could not interpret "${JSON.stringify(dmp)}" as a permission bitfield string.`);
  }
  for (const key of ['nsfw', 'dm_permission'] as const) {
    if (c[key] !== undefined && c[key] !== null && typeof c[key] !== 'boolean') {
      fe.add([...path, key], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
    }
  }
  const enumList = (key: string, allowed: number[]) => {
    const v = c[key];
    if (v === undefined || v === null) return;
    if (!Array.isArray(v)) return fe.add([...path, key], 'BASE_TYPE_ARRAY', 'Must be an array.');
    v.forEach((x, i) => {
      if (!allowed.includes(x as number)) fe.add([...path, key, i], 'ENUM_TYPE_COERCE', `Value "${String(x)}" is not a valid enum value.`);
    });
  };
  enumList('contexts', [0, 1, 2]);
  enumList('integration_types', [0, 1]);
  if (commandSize(c) > 4000) fe.add(path, 'APPLICATION_COMMAND_TOO_LARGE', 'Command exceeds maximum size (4000)');
}

/** Validate a bulk overwrite list; returns an error body or undefined. */
export function validateCommandList(list: unknown): DiscordErrorBody | undefined {
  const fe = new FormErrors();
  if (!Array.isArray(list)) {
    fe.add([], 'BASE_TYPE_ARRAY', 'Must be an array.');
    return fe.body();
  }
  list.forEach((c, i) => validateCommand(fe, [i], c));
  if (!fe.ok) return fe.body();
  const seen = new Set<string>();
  const counts: Record<number, number> = {};
  for (const c of list as Obj[]) {
    const type = (c.type as number | undefined) ?? 1;
    const key = `${type}:${String(c.name)}`;
    if (seen.has(key)) fe.add([], 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
    seen.add(key);
    counts[type] = (counts[type] ?? 0) + 1;
  }
  if (!fe.ok) return fe.body();
  for (const [type, n] of Object.entries(counts)) {
    const limit = COMMAND_LIMITS[Number(type)]!;
    if (n > limit) return { code: 30032, message: `Maximum number of application commands reached (${limit})` };
  }
  return undefined;
}

/** Normalise a validated command body into the stored/returned APIApplicationCommand shape. */
export function normalizeCommand(
  c: Obj,
  meta: { id: string; applicationId: string; version: string; guildId?: string },
): APIApplicationCommand {
  const type = (c.type as number | undefined) ?? ApplicationCommandType.ChatInput;
  const clean = (o: Obj): Obj => {
    const out: Obj = {};
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined || k === 'name_localized' || k === 'description_localized') continue;
      if (k === 'required' && v === false) continue;
      if (k === 'options' && Array.isArray(v)) {
        if (v.length) out.options = v.map((x) => clean(x as Obj));
        continue;
      }
      out[k] = v;
    }
    return out;
  };
  const cmd: Obj = {
    id: meta.id,
    application_id: meta.applicationId,
    version: meta.version,
    default_member_permissions: c.default_member_permissions ?? null,
    type,
    name: c.name,
    description: type === ApplicationCommandType.ChatInput ? c.description : '',
    ...(meta.guildId ? { guild_id: meta.guildId } : { dm_permission: c.dm_permission ?? true }),
    contexts: c.contexts ?? null,
    integration_types: c.integration_types ?? [0],
    nsfw: c.nsfw ?? false,
  };
  if (c.name_localizations) cmd.name_localizations = c.name_localizations;
  if (c.description_localizations) cmd.description_localizations = c.description_localizations;
  if (Array.isArray(c.options) && c.options.length) cmd.options = c.options.map((o) => clean(o as Obj));
  return cmd as unknown as APIApplicationCommand;
}

/** Compare two command definitions ignoring server-assigned fields. */
export function sameCommand(a: APIApplicationCommand, b: APIApplicationCommand): boolean {
  const strip = ({ id: _i, version: _v, ...rest }: APIApplicationCommand) => JSON.stringify(rest);
  return strip(a) === strip(b);
}
