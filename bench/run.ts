import { benchAskLoad } from './askLoad.ts';
import { benchContextBuild } from './contextBuild.ts';
import { benchLedger } from './ledger.ts';

/** `npm run bench`: prints figures; nothing here asserts a timing. */
const only = process.argv[2];
if (!only || only === 'context') benchContextBuild();
if (!only || only === 'ledger') await benchLedger();
if (!only || only === 'load') await benchAskLoad();
if (!only || only === 'shards') await (await import('./shards.ts')).benchShards();
