import { describe, expect, test } from 'vitest';
import { BudgetStore, type LimitRow } from '../../../src/db/budgetLimits.ts';
import { openDatabase } from '../../../src/db/connection.ts';
import { LedgerStore } from '../../../src/db/ledger.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { OperatorStore } from '../../../src/db/operator.ts';
import { Ledger, NO_OPERATOR_LIMITS, type BotLimitNotice, type OperatorLimits, type Payer } from '../../../src/services/budget/ledger.ts';
import { describeRefusal } from '../../../src/services/budget/messages.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

const USD = 1_000_000;
const GUILDS = ['900000000000000001', '900000000000000002', '900000000000000003'];

function setup(operator: Partial<OperatorLimits>, start = '2026-11-27T10:00:00Z') {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  let now = Date.parse(start);
  const budgets = new BudgetStore(db);
  const ledger = new Ledger(new LedgerStore(db), budgets, null, () => now, { operator: { ...NO_OPERATOR_LIMITS, ...operator } });
  const limit = (guildId: string, row: Partial<LimitRow> & Pick<LimitRow, 'scope' | 'amountMicros'>) =>
    budgets.setLimit(guildId, { targetId: '', period: 'day', updatedBy: 'admin', updatedAt: now, ...row });
  return { db, ledger, budgets, limit, operatorStore: new OperatorStore(db), setNow: (iso: string) => { now = Date.parse(iso); } };
}

const payer = (guildId: string | null, userId = 'u1', roleIds: string[] = []): Payer => ({ guildId, userId, roleIds, channelId: 'c1' });
const call = (usd: number) => ({ command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: usd * USD });

/** Reserves then settles `usd` at once, as a finished call does. */
function spend(ledger: Ledger, who: Payer, usd: number) {
  const r = ledger.reserve(who, call(usd));
  if (r.ok) ledger.settle(r.reservation, { chargedMicros: usd * USD });
  return r;
}

describe('the bot limit (BOT_LIMIT_USD)', () => {
  test('counts every server and DM together and refuses past it, naming the bot total', () => {
    const { ledger } = setup({ bot: { amountMicros: 1 * USD, period: 'day' } });
    expect(spend(ledger, payer(GUILDS[0]!, 'a'), 0.4).ok).toBe(true);
    expect(spend(ledger, payer(GUILDS[1]!, 'b'), 0.4).ok).toBe(true);
    expect(spend(ledger, payer(null, 'c'), 0.15).ok).toBe(true);
    const refused = ledger.reserve(payer(GUILDS[2]!, 'd'), call(0.1));
    expect(refused).toMatchObject({ ok: false, refusal: { limit: { source: 'bot-total' }, spentMicros: 0.95 * USD } });
    if (refused.ok) return;
    const text = describeRefusal(refused.refusal, 'en');
    expect(text).toContain("The bot has (everyone together) used $0.95 of the bot's total limit for everyone ($1.00 a day)");
    expect(text).not.toMatch(/your (own )?limit/i);
    expect(describeRefusal(refused.refusal, 'zh-TW')).toContain('機器人全體共用的總額度');
  });

  test('exempt roles and unlimited server limits do not lift it', () => {
    const { ledger, budgets, limit } = setup({ bot: { amountMicros: 1 * USD, period: 'day' } });
    limit(GUILDS[0]!, { scope: 'default', amountMicros: 1_000_000 * USD });
    budgets.setExempt(GUILDS[0]!, 'everyone-role', true);
    expect(spend(ledger, payer(GUILDS[0]!, 'a', ['everyone-role']), 0.9).ok).toBe(true);
    expect(ledger.reserve(payer(GUILDS[0]!, 'a', ['everyone-role']), call(0.2))).toMatchObject({ ok: false, refusal: { limit: { source: 'bot-total' } } });
  });

  test('tells the operator once at 80 % and once at 100 % (or when it refuses a call) of a period, and again the next period', () => {
    const { ledger, setNow } = setup({ bot: { amountMicros: 1 * USD, period: 'day' } });
    const notices: BotLimitNotice[] = [];
    ledger.onBotLimitNotice = (notice) => notices.push(notice);
    spend(ledger, payer(GUILDS[0]!), 0.5);
    expect(notices).toEqual([]);
    spend(ledger, payer(GUILDS[0]!), 0.3);
    spend(ledger, payer(GUILDS[0]!), 0.01);
    expect(notices.map((n) => n.percent)).toEqual([80]);
    expect(ledger.reserve(payer(GUILDS[0]!), call(0.5)).ok).toBe(false); // the limit refused a call: it is reached
    expect(notices.map((n) => n.percent)).toEqual([80, 100]);
    expect(notices[1]!.status.spentMicros).toBe(0.81 * USD);
    spend(ledger, payer(GUILDS[0]!), 0.19);
    expect(notices.map((n) => n.percent)).toEqual([80, 100]);
    setNow('2026-11-28T10:00:00Z');
    spend(ledger, payer(GUILDS[0]!), 0.85);
    expect(notices.map((n) => n.percent)).toEqual([80, 100, 80]);
  });

  test('a second process sharing the file does not send a notice again', () => {
    const path = tempDatabasePath();
    const make = () => {
      const db = openDatabase(path);
      migrate(db);
      const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => Date.parse('2026-11-27T10:00:00Z'), {
        operator: { ...NO_OPERATOR_LIMITS, bot: { amountMicros: 1 * USD, period: 'day' } },
      });
      const notices: number[] = [];
      ledger.onBotLimitNotice = (n) => notices.push(n.percent);
      return { ledger, notices };
    };
    const [a, b] = [make(), make()];
    spend(a.ledger, payer(GUILDS[0]!), 0.85);
    spend(b.ledger, payer(GUILDS[1]!), 0.01);
    expect([...a.notices, ...b.notices]).toEqual([80]);
  });
});

describe('the member limit (MEMBER_LIMIT_USD)', () => {
  test('one person in three servers and DMs stops at it, while each server would allow more', () => {
    const { ledger, limit } = setup({ member: { amountMicros: 1 * USD, period: 'day' } });
    for (const guild of GUILDS) limit(guild, { scope: 'default', amountMicros: 10 * USD });
    expect(spend(ledger, payer(GUILDS[0]!), 0.3).ok).toBe(true);
    expect(spend(ledger, payer(GUILDS[1]!), 0.3).ok).toBe(true);
    expect(spend(ledger, payer(GUILDS[2]!), 0.3).ok).toBe(true);
    const refused = ledger.reserve(payer(null), call(0.2));
    expect(refused).toMatchObject({ ok: false, refusal: { limit: { source: 'member-total' }, spentMicros: 0.9 * USD } });
    // Someone else is not held back by this member's spend.
    expect(spend(ledger, payer(GUILDS[0]!, 'u2'), 0.5).ok).toBe(true);
  });

  test('a member blocked with $0 in a server who asks in DMs is charged against the member limit', () => {
    const { ledger, limit } = setup({ member: { amountMicros: 1 * USD, period: 'day' } });
    limit(GUILDS[0]!, { scope: 'user', targetId: 'u1', amountMicros: 0 });
    expect(ledger.reserve(payer(GUILDS[0]!), call(0.01))).toMatchObject({ ok: false, refusal: { limit: { source: 'user', amountMicros: 0 } } });
    expect(spend(ledger, payer(null), 0.6).ok).toBe(true);
    expect(ledger.usage(payer(GUILDS[0]!)).operator.member).toMatchObject({ spentMicros: 0.6 * USD });
    expect(ledger.reserve(payer(null), call(0.5))).toMatchObject({ ok: false, refusal: { limit: { source: 'member-total' } } });
  });
});

describe('the server ceiling (SERVER_LIMIT_USD and /operator server-limit)', () => {
  test('an exempt-everyone server with a huge cap stops at the ceiling; other servers go on', () => {
    const { ledger, budgets, limit } = setup({ server: { amountMicros: 2 * USD, period: 'day' } });
    limit(GUILDS[0]!, { scope: 'server', amountMicros: 1_000_000 * USD });
    budgets.setExempt(GUILDS[0]!, 'everyone', true);
    for (let n = 0; n < 4; n += 1) expect(spend(ledger, payer(GUILDS[0]!, `m${n}`, ['everyone']), 0.5).ok).toBe(true);
    const refused = ledger.reserve(payer(GUILDS[0]!, 'm9', ['everyone']), call(0.01));
    expect(refused).toMatchObject({ ok: false, refusal: { limit: { source: 'server-ceiling' }, spentMicros: 2 * USD } });
    if (!refused.ok) expect(describeRefusal(refused.refusal, 'en')).toMatch(/^This server has used \$2\.00 of the most the bot's host lets this server spend/);
    expect(spend(ledger, payer(GUILDS[1]!), 0.5).ok).toBe(true);
  });

  test("the operator's own ceiling for a server replaces the default; null lifts it", () => {
    const { ledger, operatorStore } = setup({ server: { amountMicros: 1 * USD, period: 'day' } });
    operatorStore.setCeiling(GUILDS[0]!, { amountMicros: 3 * USD, period: 'week' }, 'owner', 0);
    expect(ledger.serverCeiling(GUILDS[0]!)).toMatchObject({ amountMicros: 3 * USD, period: 'week' });
    expect(spend(ledger, payer(GUILDS[0]!), 2.5).ok).toBe(true);
    expect(ledger.reserve(payer(GUILDS[0]!), call(1)).ok).toBe(false);
    operatorStore.setCeiling(GUILDS[0]!, { amountMicros: null, period: 'day' }, 'owner', 0);
    expect(ledger.serverCeiling(GUILDS[0]!)).toBeNull();
    expect(ledger.reserve(payer(GUILDS[0]!), call(1)).ok).toBe(true);
  });

  test('DMs have no server ceiling (the member and bot limits bound them)', () => {
    const { ledger } = setup({ server: { amountMicros: 1 * USD, period: 'day' } });
    expect(spend(ledger, payer(null, 'a'), 0.8).ok).toBe(true);
    expect(spend(ledger, payer(null, 'b'), 0.8).ok).toBe(true);
    expect(ledger.usage(payer(null)).operator.serverCeiling).toBeNull();
  });
});

describe('who may use the bot', () => {
  test('a server off the allow-list is refused before anything is reserved; /operator allow admits it', () => {
    const { ledger, operatorStore, db } = setup({ allowedGuilds: [GUILDS[0]!] });
    expect(spend(ledger, payer(GUILDS[0]!), 0.1).ok).toBe(true);
    const refused = ledger.reserve(payer(GUILDS[1]!), call(0.1));
    expect(refused).toMatchObject({ ok: false, refusal: { limit: { source: 'not-allowed' } } });
    if (!refused.ok) expect(describeRefusal(refused.refusal, 'en')).toContain("This server isn't approved");
    expect(db.prepare('SELECT COUNT(*) FROM ledger WHERE guild_id = ?').pluck().get(GUILDS[1])).toBe(0);
    operatorStore.allow(GUILDS[1]!, 'owner', 0);
    expect(ledger.isGuildAllowed(GUILDS[1]!)).toBe(true);
    expect(spend(ledger, payer(GUILDS[1]!), 0.1).ok).toBe(true);
  });

  test('DM_ACCESS=off refuses direct messages with a plain reply', () => {
    const { ledger } = setup({ dmAccess: false });
    const refused = ledger.reserve(payer(null), call(0.01));
    expect(refused).toMatchObject({ ok: false, refusal: { limit: { source: 'dm-off' } } });
    if (!refused.ok) expect(describeRefusal(refused.refusal, 'zh-TW')).toContain('私訊');
    expect(spend(ledger, payer(GUILDS[0]!), 0.01).ok).toBe(true);
  });
});

describe('settling never fails and never hides a bad bound', () => {
  test('a charge that throws settles the reservation (the worst case) and leaves nothing open', async () => {
    const { ledger, db } = setup({});
    const paid = await ledger.pay(payer(GUILDS[0]!), call(0.2), async () => 'answer', () => { throw new TypeError('usage has no completion_tokens'); });
    expect(paid).toEqual({ ok: true, result: 'answer' });
    expect(db.prepare('SELECT state, charged_micros AS charged FROM ledger').all()).toEqual([{ state: 'settled', charged: 0.2 * USD }]);
  });

  test('a settlement above its reservation is recorded where the operator can count it', () => {
    const { ledger, db } = setup({});
    const r = ledger.reserve(payer(GUILDS[0]!), call(0.1));
    if (!r.ok) throw new Error('reserve failed');
    ledger.settle(r.reservation, { chargedMicros: 0.25 * USD });
    expect(db.prepare('SELECT reserved_micros AS reserved, charged_micros AS charged FROM ledger_overruns').all()).toEqual([{ reserved: 0.1 * USD, charged: 0.25 * USD }]);
    expect(new LedgerStore(db).overrunsSince(0)).toBe(1);
  });
});
