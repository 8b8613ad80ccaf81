import type { Migration } from './types.ts';
import { migration as m0001 } from './0001-conversation-history.ts';
import { migration as m0002 } from './0002-spending-ledger.ts';
import { migration as m0003 } from './0003-channel-settings.ts';
import { migration as m0004 } from './0004-fine-tunes.ts';
import { migration as m0005 } from './0005-operator-limits-and-leases.ts';
import { migration as m0006 } from './0006-history-retention-indexes.ts';
import { migration as m0007 } from './0007-bot-threads.ts';
import { migration as m0008 } from './0008-reasoning-effort.ts';
import { migration as m0009 } from './0009-moderation-settings.ts';
import { migration as m0010 } from './0010-shared-ledger.ts';
import { migration as m0011 } from './0011-turn-images.ts';
import { migration as m0012 } from './0012-ledger-by-day-indexes.ts';
import { migration as m0013 } from './0013-interrupted-calls.ts';
import { migration as m0014 } from './0014-shared-event-trimming.ts';
import { migration as m0015 } from './0015-forget-tombstones.ts';
import { migration as m0016 } from './0016-fine-tune-starts.ts';
import { migration as m0017 } from './0017-fine-tune-missing-jobs.ts';

/** Every migration, in order. Add new files here; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0012, m0013, m0014, m0015, m0016, m0017];
