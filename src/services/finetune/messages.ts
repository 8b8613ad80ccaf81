/** Every `/finetune` text lives in the `finetune` catalogue (locales/<language>/finetune.json). */
import { catalogue } from '../i18n.ts';
import type { FineTuneRefusal } from './refusals.ts';
import type { TrainingProblem } from './trainingFile.ts';

export type FineTuneStatusKey = `status.${'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'unconfirmed' | 'not_created' | 'lost'}`;

export type FineTuneTextKey =
  | 'denied' | 'guildOnly' | 'notJsonl' | 'tooLarge' | 'downloadFailed' | 'invalid' | 'moreProblems' | `problem.${TrainingProblem['kind']}`
  | 'uploaded' | 'estimate' | 'estimates' | 'defaultEpochs' | 'unknownFile' | 'badModel' | 'badSuffix' | 'badEpochs' | 'started' | 'epochsGiven' | 'epochsAuto'
  | 'epochsDefault' | 'unknownJob' | 'noJobs' | 'statusHeader' | 'statusModel' | 'statusTrained' | 'statusReady' | 'statusReadyNotAllowed' | 'statusReserved'
  | 'statusCharged' | 'statusReleased' | 'statusError' | 'statusStale' | 'events' | 'listHeader' | 'listMore' | 'cancelled' | 'cancelledCharged'
  | 'cancelling' | 'alreadyFinished' | 'notReady' | 'used' | 'noticeSucceeded' | 'noticeSucceededNotAllowed' | 'noticeFailed' | 'noticeCancelled' | 'noticeFree'
  | 'noticePartial' | 'notSupported' | 'unknownError' | 'suggestion.examples' | 'startUnconfirmed' | 'cancelUnconfirmed' | 'noticeNotCreated' | 'statusGone' | 'cancelGone' | 'useGone'
  | 'statusGoneClosed' | 'statusLost' | 'cancelLost' | 'useLost' | 'noticeLost' | 'useNotAllowed' | 'startNotAllowed'
  | `refused.${FineTuneRefusal}` | FineTuneStatusKey;

export const text = catalogue<FineTuneTextKey>('finetune');
