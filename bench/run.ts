import { benchAskLoad, burstsOnly } from './askLoad.ts';
import { benchCharts } from './charts.ts';
import { benchContextBuild } from './contextBuild.ts';
import { benchLedger } from './ledger.ts';
import { benchMetrics } from './metrics.ts';
import { benchServers } from './servers.ts';
import { benchStartup } from './startup.ts';
import { buildIfStale } from '../scripts/build.mjs';

/** `npm run bench`: prints figures; nothing here asserts a timing. */
const only = process.argv[2];
// The bot is measured as it runs in production: the compiled output, in its own process.
if (buildIfStale() !== 'fresh') console.log('(dist/ was rebuilt first)');
if (!only || only === 'startup') await benchStartup();
if (!only || only === 'context') benchContextBuild();
if (!only || only === 'ledger') await benchLedger();
if (!only || only === 'ledger' || only === 'hosts') await (await import('./ledgerHosts.ts')).benchLedgerHosts();
if (!only || only === 'load') await benchAskLoad();
if (!only || (only === 'load' && !burstsOnly) || only === 'floor') await (await import('./deferFloor.ts')).benchDeferFloor();
if (!only || only === 'metrics') await benchMetrics();
if (!only || only === 'servers') await benchServers();
if (!only || only === 'charts') await benchCharts();
if (!only || only === 'downloads') await (await import('./downloads.ts')).benchDownloads();
if (!only || only === 'shards') await (await import('./shards.ts')).benchShards();
if (!only || only === 'audio') await (await import('./audioMeasure.ts')).benchAudioMeasure();
