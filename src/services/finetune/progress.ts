/** How much a job trained before it stopped: what a cancelled or failed job is billed for. */
import type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';

export interface StepProgress {
  step: number;
  totalSteps: number;
}

/** The newest `Step N/M` metrics event (events come newest first): its data, else its message. */
export function latestStep(events: readonly FineTuningJobEvent[]): StepProgress | undefined {
  for (const event of events) {
    const data = event.data as { step?: unknown; total_steps?: unknown } | undefined;
    if (typeof data?.step === 'number' && typeof data.total_steps === 'number' && data.total_steps > 0) return { step: data.step, totalSteps: data.total_steps };
    const match = /^Step (\d+)\/(\d+)\b/.exec(event.message);
    if (match && Number(match[2]) > 0) return { step: Number(match[1]), totalSteps: Number(match[2]) };
  }
  return undefined;
}

/** The epochs a job trains: the number OpenAI resolved `auto` to once training began, else `fallback`. */
export function epochsOf(remote: FineTuningJob, fallback: number): number {
  const n = remote.method?.supervised?.hyperparameters?.n_epochs ?? remote.hyperparameters?.n_epochs;
  return typeof n === 'number' && n > 0 ? n : fallback;
}

/** `trained_tokens` when it is a count a job can have trained (a whole number above 0); null for a compatible server's zeros, negatives or fractions. */
export function reportedTrained(remote: Pick<FineTuningJob, 'trained_tokens'>): number | null {
  const n: unknown = remote.trained_tokens;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * Tokens trained by a job that stopped early: `trained_tokens` when OpenAI reports it, else the steps done
 * × the tokens one step trains (the file's tokens × epochs ÷ all steps). Null: it stopped before training.
 */
export function trainedBeforeStop(remote: FineTuningJob, events: readonly FineTuningJobEvent[], tokensPerEpoch: number, fallbackEpochs: number): number | null {
  const reported = reportedTrained(remote);
  if (reported !== null) return reported;
  const progress = latestStep(events);
  if (!progress || progress.step <= 0) return null;
  const total = tokensPerEpoch * epochsOf(remote, fallbackEpochs);
  return Math.ceil((total * Math.min(progress.step, progress.totalSteps)) / progress.totalSteps);
}
