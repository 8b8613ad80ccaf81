/**
 * Which chat models are reasoning models (OpenAI's o-series and gpt-5 family), and what they accept.
 * They reject `max_tokens` (only `max_completion_tokens`, which bounds the hidden reasoning and the visible
 * answer together) and sampling settings (`temperature`, `top_p`, penalties), and take `reasoning_effort`
 * within a per-model set of values (OpenAI's API reference, `reasoning_effort`).
 */
import * as knownModels from 'gpt-tokenizer/models';
import { baseModelCandidates } from '../tokens.ts';

/** The values `/settings reasoning-effort` offers, weakest first. */
export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export interface ReasoningProfile {
  /** The table name the model was recognised by, e.g. `o4-mini` for `ft:o4-mini-2025-04-16:org::id`. */
  family: string;
  /** The `reasoning_effort` values it accepts; empty when it refuses the parameter (o1-mini, o1-preview). */
  efforts: readonly ReasoningEffort[];
}

const ALL: readonly ReasoningEffort[] = REASONING_EFFORTS;
const STANDARD: readonly ReasoningEffort[] = ['low', 'medium', 'high'];

/**
 * Effort values by family (OpenAI API reference): `minimal` exists only for gpt-5, gpt-5-mini and gpt-5-nano;
 * gpt-5.1 and later take none/low/medium/high (the setting offers no `none`); the -pro models only `high`;
 * o1-mini and o1-preview refuse `reasoning_effort` altogether; every other o-series model takes low/medium/high.
 */
const EFFORT_RULES: readonly [RegExp, readonly ReasoningEffort[]][] = [
  [/^o1-(mini|preview)$/, []],
  [/-pro$/, ['high']],
  [/^gpt-5(-mini|-nano)?$/, ALL],
];

/** OpenAI reasoning model names the table may not list yet (new snapshots): o1, o3-mini, gpt-5.2-mini… not -chat-latest. */
const REASONING_NAME = /^(o\d+(-(mini|preview|pro))?|gpt-5(\.\d+)?(-(mini|nano|pro))?)$/;

type Spec = { reasoning_tokens?: boolean; supported_endpoints?: readonly string[] };
const table = knownModels as unknown as Record<string, Spec | undefined>;

function fromTable(name: string): boolean {
  const spec = Object.hasOwn(table, name) ? table[name] : undefined;
  return spec?.reasoning_tokens === true && (spec.supported_endpoints ?? []).some((e) => e === 'chat_completions' || e === 'responses');
}

function profileOf(family: string): ReasoningProfile {
  return { family, efforts: EFFORT_RULES.find(([pattern]) => pattern.test(family))?.[1] ?? STANDARD };
}

/** `REASONING_MODELS`: names the table can't know (an Azure deployment, a proxy alias), each alone or `name=like`. */
export type ReasoningOverrides = ReadonlyMap<string, string | null>;

/** Parses `my-o3=o3, custom-reasoner`; returns the problems instead when a `like` is not a known reasoning model. */
export function parseReasoningModels(text: string | undefined): { ok: true; overrides: ReasoningOverrides } | { ok: false; problems: string[] } {
  const overrides = new Map<string, string | null>();
  const problems: string[] = [];
  for (const item of (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const [name = '', like, ...rest] = item.split('=').map((part) => part.trim());
    if (name === '' || rest.length > 0 || like === '') problems.push(`must be model names, each alone or as name=model (e.g. my-o3=o3); not understood: ${item}`);
    else if (like !== undefined && !new ReasoningModels().profile(like)) problems.push(`${like} (after ${name}=) is not a reasoning model the bot knows (o1, o3, o4-mini, gpt-5…)`);
    else overrides.set(name, like ?? null);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, overrides };
}

/** Reasoning models by name: the operator's list first, then gpt-tokenizer's model table and OpenAI's naming. */
export class ReasoningModels {
  constructor(private readonly overrides: ReasoningOverrides = new Map()) {}

  /** The model's profile, or undefined for an ordinary chat model (gpt-4o, a local Llama). */
  profile(model: string): ReasoningProfile | undefined {
    if (this.overrides.has(model)) {
      const like = this.overrides.get(model);
      return like ? this.profile(like) : { family: model, efforts: STANDARD };
    }
    const candidates = baseModelCandidates(model);
    const family = candidates.find((name) => fromTable(name) || REASONING_NAME.test(name));
    return family === undefined ? undefined : profileOf(candidates.at(-1) ?? family);
  }

  /**
   * What to send for a wanted effort: itself when accepted, else the nearest value the model takes (a stronger
   * one on a tie), undefined when it takes none. A setting inherited from a parent channel may meet another model.
   */
  effortFor(profile: ReasoningProfile, wanted: ReasoningEffort | undefined): ReasoningEffort | undefined {
    if (wanted === undefined || profile.efforts.length === 0) return undefined;
    if (profile.efforts.includes(wanted)) return wanted;
    const rank = (effort: ReasoningEffort) => REASONING_EFFORTS.indexOf(effort);
    const distance = (effort: ReasoningEffort) => Math.abs(rank(effort) - rank(wanted)) - rank(effort) / 10;
    return [...profile.efforts].sort((a, b) => distance(a) - distance(b))[0];
  }
}
