import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSession } from '../harness/sessions.ts';
import { roundTrip } from '../harness/socketClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';

// Shapes of spec realtime.md §6.3 / §7.7 and rest.md §3.9.
const ACK_KEYS = ['success', 'reportId', 'createdAt', 'updatedAt'];
const EPHEMERAL_KEYS = ['type', 'id', 'key', 'tokens', 'cost', 'timestamp'];
const QUERY_KEYS = ['usage', 'groupBy', 'totalReports'];
const BUCKET_KEYS = ['timestamp', 'tokens', 'cost', 'reportCount'];

const INVALID_KEY = { success: false, error: 'Invalid key' };
const INVALID_TOKENS = { success: false, error: 'Invalid tokens object - must include total' };
const INVALID_COST = { success: false, error: 'Invalid cost object - must include total' };
const INVALID_SESSION = { success: false, error: 'Invalid sessionId' };
const SESSION_NOT_FOUND = { success: false, error: 'Session not found' };

/** What happy-cli sends after each assistant message. */
const report = (total: number, sessionId?: string | null, key = 'claude-session') => ({
    key,
    ...(sessionId !== undefined && { sessionId }),
    tokens: { total, input: total - 1, output: 1, cache_creation: 0, cache_read: 0 },
    cost: { total: total / 1000, input: total / 2000, output: total / 2000 },
});

const isUsage = (total: number) => (e: any) => e.type === 'usage' && e.tokens.total === total;
const utc = (iso: string) => new Date(iso);
const seconds = (iso: string) => Date.parse(iso) / 1000;

describe('usage reports and queries (spec realtime.md §7.7, rest.md §3.9)', () => {
    const server = useTestServer();
    const prisma = () => server.deps.db.prisma;

    /** An account with its app socket and a CLI socket bound to a session of its own. */
    async function cliSetup() {
        const a = await server.account();
        const session = await createSession(server.url, a.token);
        const app = await a.connect({ clientType: 'user-scoped' });
        const cli = await a.connect({ clientType: 'session-scoped', sessionId: session.id });
        return { a, sessionId: session.id, app, cli };
    }

    it('saves a session report, replaces it per key and tells only the user-scoped sockets', async () => {
        const { a, sessionId, app, cli } = await cliSetup();
        const daemon = await a.connect({ clientType: 'machine-scoped', machineId: randomUUID() });
        const other = await server.account();
        const otherApp = await other.connect();

        const before = Date.now();
        const first = await cli.emitWithAck('usage-report', report(100, sessionId));
        expect(Object.keys(first)).toEqual(ACK_KEYS);
        expect(first).toMatchObject({ success: true });
        expect(typeof first.reportId).toBe('string');
        expect(first.createdAt).toBe(first.updatedAt);
        expect(first.createdAt).toBeGreaterThanOrEqual(before - 1000);

        const usage = await app.next('ephemeral', isUsage(100));
        expect(Object.keys(usage)).toEqual(EPHEMERAL_KEYS);
        expect(usage).toEqual({ type: 'usage', id: sessionId, key: 'claude-session', ...pick(report(100), 'tokens', 'cost'), timestamp: usage.timestamp });
        expect(Object.keys(usage.tokens)).toEqual(['total', 'input', 'output', 'cache_creation', 'cache_read']);
        expect(usage.timestamp).toBeGreaterThanOrEqual(before);

        // The next report of the same key replaces the row: same id and creation time.
        const second = await cli.emitWithAck('usage-report', report(250, sessionId));
        expect(second).toMatchObject({ success: true, reportId: first.reportId, createdAt: first.createdAt });
        expect(second.updatedAt).toBeGreaterThanOrEqual(first.updatedAt);
        await app.next('ephemeral', isUsage(250));
        const rows = await prisma().usageReport.findMany({ where: { accountId: a.userId } });
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ id: first.reportId, key: 'claude-session', sessionId, data: pick(report(250), 'tokens', 'cost') });
        expect(rows[0]!.updatedAt.getTime()).toBe(second.updatedAt);

        // Another key is another row.
        const other_key = await cli.emitWithAck('usage-report', report(7, sessionId, 'codex-session'));
        expect(other_key.reportId).not.toBe(first.reportId);
        expect(await prisma().usageReport.count({ where: { accountId: a.userId } })).toBe(2);

        for (const socket of [app, cli, daemon, otherApp]) await roundTrip(socket);
        expect(app.ephemerals.filter((e) => e.type === 'usage').map((e) => e.tokens.total)).toEqual([100, 250, 7]);
        expect(cli.ephemerals).toEqual([]);
        expect(daemon.ephemerals).toEqual([]);
        expect(otherApp.ephemerals).toEqual([]);
        expect(app.updates).toEqual([]);
    });

    it('saves reports without a session once per key, and announces none of them', async () => {
        const { a, app, cli } = await cliSetup();
        const first = await cli.emitWithAck('usage-report', report(10));
        expect(Object.keys(first)).toEqual(ACK_KEYS);
        expect(first.success).toBe(true);
        // null and '' mean "no session" too, as upstream's truthiness check had it.
        const second = await cli.emitWithAck('usage-report', report(20, null));
        const third = await cli.emitWithAck('usage-report', report(30, ''));
        expect(second).toMatchObject({ success: true, reportId: first.reportId, createdAt: first.createdAt });
        expect(third).toMatchObject({ success: true, reportId: first.reportId, createdAt: first.createdAt });
        const rows = await prisma().usageReport.findMany({ where: { accountId: a.userId } });
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ sessionId: null, key: 'claude-session', data: pick(report(30), 'tokens', 'cost') });

        // A session report of the same key is a row of its own.
        const session = await createSession(server.url, a.token);
        const withSession = await cli.emitWithAck('usage-report', report(40, session.id));
        expect(withSession.reportId).not.toBe(first.reportId);
        await app.next('ephemeral', isUsage(40));
        await roundTrip(app);
        expect(app.ephemerals.map((e) => e.tokens.total)).toEqual([40]);
        expect(await prisma().usageReport.count({ where: { accountId: a.userId } })).toBe(2);

        // Another account's session-less row of the same key is separate.
        const other = await server.account();
        const otherCli = await other.connect();
        const theirs = await otherCli.emitWithAck('usage-report', report(50));
        expect(theirs.reportId).not.toBe(first.reportId);
        expect((await prisma().usageReport.findUniqueOrThrow({ where: { id: first.reportId } })).data).toEqual(pick(report(30), 'tokens', 'cost'));
    });

    it('keeps one row per key under concurrent reports from many sockets, with and without a session', async () => {
        const { a, sessionId } = await cliSetup();
        const sockets = await Promise.all(Array.from({ length: 5 }, () => a.connect()));
        for (const sid of [null, sessionId]) {
            const acks = await Promise.all(
                Array.from({ length: 30 }, (_, i) => sockets[i % sockets.length]!.emitWithAck('usage-report', report(1000 + i, sid))),
            );
            expect(acks.every((ack) => ack.success === true)).toBe(true);
            expect(new Set(acks.map((ack) => ack.reportId)).size).toBe(1);
            expect(await prisma().usageReport.count({ where: { accountId: a.userId, sessionId: sid } })).toBe(1);
        }
    });

    it('saves the reports of one socket in the order they were sent', async () => {
        const { a, sessionId, app, cli } = await cliSetup();
        const totals = Array.from({ length: 40 }, (_, i) => i + 1);
        const acks = await Promise.all(totals.map((total) => cli.emitWithAck('usage-report', report(total, sessionId))));
        const updatedAts = acks.map((ack) => ack.updatedAt);
        expect(updatedAts).toEqual([...updatedAts].sort((x, y) => x - y));
        const row = await prisma().usageReport.findFirstOrThrow({ where: { accountId: a.userId } });
        expect((row.data as any).tokens.total).toBe(40);
        await app.next('ephemeral', isUsage(40));
        expect(app.ephemerals.map((e) => e.tokens.total)).toEqual(totals);

        // The CLI sends without an ack: saved and announced all the same, in order.
        for (const total of [41, 42, 43]) cli.socket.emit('usage-report', report(total, sessionId));
        await app.next('ephemeral', isUsage(43));
        expect(app.ephemerals.slice(-3).map((e) => e.tokens.total)).toEqual([41, 42, 43]);
        expect(((await prisma().usageReport.findFirstOrThrow({ where: { accountId: a.userId } })).data as any).tokens.total).toBe(43);
    });

    it('refuses reports beyond 256 waiting on one socket instead of queueing without bound', async () => {
        const { a, sessionId, cli } = await cliSetup();
        // A burst far faster than reports are saved: the queue fills up and the rest are refused.
        const acks = await Promise.all(
            Array.from({ length: 1000 }, (_, i) => cli.emitWithAck('usage-report', report(i + 1, sessionId), 20_000)),
        );
        const refused = acks.filter((ack) => !ack.success);
        for (const ack of refused) expect(ack).toEqual({ success: false, error: 'Too many pending reports' });
        expect(refused.length).toBeGreaterThan(0);
        expect(acks[0].success).toBe(true);
        // The row holds the last accepted report, and the socket keeps working.
        const lastAccepted = acks.findLastIndex((ack) => ack.success) + 1;
        const row = await prisma().usageReport.findFirstOrThrow({ where: { accountId: a.userId } });
        expect((row.data as any).tokens.total).toBe(lastAccepted);
        expect((await cli.emitWithAck('usage-report', report(5000, sessionId))).success).toBe(true);
    });

    it('refuses another account\'s session or an unknown one without writing or announcing', async () => {
        const owner = await cliSetup();
        const intruder = await server.account();
        const intruderApp = await intruder.connect();
        const intruderCli = await intruder.connect({ clientType: 'session-scoped', sessionId: owner.sessionId });
        for (const socket of [intruderApp, intruderCli]) {
            expect(await socket.emitWithAck('usage-report', report(5, owner.sessionId))).toEqual(SESSION_NOT_FOUND);
        }
        expect(await owner.cli.emitWithAck('usage-report', report(5, randomUUID()))).toEqual(SESSION_NOT_FOUND);
        expect(await prisma().usageReport.count({ where: { accountId: { in: [owner.a.userId, intruder.userId] } } })).toBe(0);
        for (const socket of [owner.app, intruderApp, intruderCli]) await roundTrip(socket);
        expect(owner.app.ephemerals).toEqual([]);
        expect(intruderApp.ephemerals).toEqual([]);
    });

    it('acks every malformed report with upstream\'s message and keeps serving', async () => {
        const { a, sessionId, cli } = await cliSetup();
        const valid = report(1, sessionId);
        const cases: Array<[unknown, unknown]> = [
            [undefined, INVALID_KEY],
            [null, INVALID_KEY],
            ['text', INVALID_KEY],
            [[], INVALID_KEY],
            [{ ...valid, key: undefined }, INVALID_KEY],
            [{ ...valid, key: 7 }, INVALID_KEY],
            [{ ...valid, key: '' }, INVALID_KEY],
            [{ ...valid, key: 'k'.repeat(257) }, INVALID_KEY],
            [{ ...valid, key: 'nul\u0000' }, INVALID_KEY],
            // The first bad field is reported, in upstream's order.
            [{ key: 7, tokens: 7, cost: 7, sessionId: 7 }, INVALID_KEY],
            [{ ...valid, tokens: 7, cost: 7, sessionId: 7 }, INVALID_TOKENS],
            [{ ...valid, tokens: undefined }, INVALID_TOKENS],
            [{ ...valid, tokens: null }, INVALID_TOKENS],
            [{ ...valid, tokens: [1] }, INVALID_TOKENS],
            [{ ...valid, tokens: {} }, INVALID_TOKENS],
            [{ ...valid, tokens: { input: 1 } }, INVALID_TOKENS],
            [{ ...valid, tokens: { total: '1' } }, INVALID_TOKENS],
            [{ ...valid, tokens: { total: 1, input: 'many' } }, INVALID_TOKENS],
            [{ ...valid, tokens: { total: 1, nested: { a: 1 } } }, INVALID_TOKENS],
            [{ ...valid, tokens: { total: -1 } }, INVALID_TOKENS],
            [{ ...valid, tokens: { total: 1e16 } }, INVALID_TOKENS],
            [{ ...valid, tokens: { total: 1, ['k'.repeat(65)]: 1 } }, INVALID_TOKENS],
            [{ ...valid, tokens: { total: 1, 'nul\u0000': 1 } }, INVALID_TOKENS],
            [{ ...valid, tokens: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [i === 0 ? 'total' : `k${i}`, 1])) }, INVALID_TOKENS],
            [{ ...valid, cost: 7, sessionId: 7 }, INVALID_COST],
            [{ ...valid, cost: { input: 1 } }, INVALID_COST],
            [{ ...valid, cost: { total: null } }, INVALID_COST],
            [{ ...valid, sessionId: 7 }, INVALID_SESSION],
            [{ ...valid, sessionId: {} }, INVALID_SESSION],
            [{ ...valid, sessionId: 's'.repeat(129) }, INVALID_SESSION],
        ];
        for (const [payload, ack] of cases) {
            expect(await cli.emitWithAck('usage-report', payload), JSON.stringify(payload)?.slice(0, 100)).toEqual(ack);
        }
        expect(await prisma().usageReport.count({ where: { accountId: a.userId } })).toBe(0);

        // A `__proto__` map key is left out: neither stored nor a prototype of anything.
        const proto = JSON.parse(`{"key":"proto","tokens":{"total":1,"__proto__":{"total":2}},"cost":{"total":1}}`);
        const protoAck = await cli.emitWithAck('usage-report', proto);
        expect(protoAck.success).toBe(true);
        const protoRow = await prisma().usageReport.findUniqueOrThrow({ where: { id: protoAck.reportId } });
        expect(protoRow.data).toEqual({ tokens: { total: 1 }, cost: { total: 1 } });
        await prisma().usageReport.delete({ where: { id: protoAck.reportId } });

        // At the limits everything is accepted: 32 entries, 64-character names, 1e15.
        const widest = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [i === 0 ? 'total' : `${'k'.repeat(60)}${i}`.slice(-64), 1e15]));
        const saved = await cli.emitWithAck('usage-report', { key: 'k'.repeat(256), sessionId, tokens: widest, cost: { total: 0 } });
        expect(saved.success).toBe(true);
        expect(await cli.emitWithAck('ping')).toEqual({});
    });

    it('drops reports into a session that is being deleted without a failure or a stray row', async () => {
        const { a, sessionId, cli } = await cliSetup();
        const acks = Promise.all(Array.from({ length: 20 }, (_, i) => cli.emitWithAck('usage-report', report(i + 1, sessionId))));
        const deleted = await a.request('DELETE', `/v1/sessions/${sessionId}`);
        expect(deleted.status).toBe(200);
        for (const ack of await acks) {
            expect(ack.success === true || ack.error === 'Session not found', JSON.stringify(ack)).toBe(true);
        }
        expect(await prisma().usageReport.count({ where: { accountId: a.userId } })).toBe(0);
    });

    describe('POST /v1/usage/query', () => {
        async function seed(userId: string, rows: Array<{ at: string; sessionId?: string; key?: string; data: unknown }>) {
            for (const [i, row] of rows.entries()) {
                await prisma().usageReport.create({
                    data: {
                        accountId: userId,
                        key: row.key ?? `key-${i}`,
                        sessionId: row.sessionId ?? null,
                        data: row.data as object,
                        createdAt: utc(row.at),
                    },
                });
            }
        }
        const data = (tokens: Record<string, unknown>, cost: Record<string, unknown>) => ({ tokens, cost });

        it('sums every numeric entry per UTC hour and day, in epoch seconds', async () => {
            const a = await server.account();
            const s1 = await createSession(server.url, a.token);
            const s2 = await createSession(server.url, a.token);
            await seed(a.userId, [
                { at: '2024-03-10T23:30:00.000Z', sessionId: s1.id, data: data({ total: 10, input: 4, output: 6 }, { total: 0.1 }) },
                { at: '2024-03-10T23:59:59.999Z', sessionId: s2.id, data: data({ total: 5, input: 5 }, { total: 0.2, input: 0.2 }) },
                { at: '2024-03-11T00:00:00.000Z', sessionId: s1.id, data: data({ total: 1 }, { total: 1 }) },
                { at: '2024-03-11T00:45:00.000Z', data: data({ total: 2, cache_read: 7 }, { total: 2 }) },
                { at: '2024-03-11T05:10:00.000Z', sessionId: s2.id, data: data({ total: 3 }, { total: 3 }) },
            ]);
            const other = await server.account();
            await seed(other.userId, [{ at: '2024-03-11T00:30:00.000Z', data: data({ total: 1000 }, { total: 1000 }) }]);

            const byDay = await a.request('POST', '/v1/usage/query', { body: {} });
            expect(byDay.status).toBe(200);
            expect(Object.keys(byDay.body)).toEqual(QUERY_KEYS);
            for (const bucket of byDay.body.usage) expect(Object.keys(bucket)).toEqual(BUCKET_KEYS);
            expect(byDay.body).toEqual({
                usage: [
                    { timestamp: seconds('2024-03-10T00:00:00Z'), tokens: { total: 15, input: 9, output: 6 }, cost: { total: 0.3, input: 0.2 }, reportCount: 2 },
                    { timestamp: seconds('2024-03-11T00:00:00Z'), tokens: { total: 6, cache_read: 7 }, cost: { total: 6 }, reportCount: 3 },
                ],
                groupBy: 'day',
                totalReports: 5,
            });

            const byHour = await a.request('POST', '/v1/usage/query', { body: { groupBy: 'hour' } });
            expect(byHour.body).toEqual({
                usage: [
                    { timestamp: seconds('2024-03-10T23:00:00Z'), tokens: { total: 15, input: 9, output: 6 }, cost: { total: 0.3, input: 0.2 }, reportCount: 2 },
                    { timestamp: seconds('2024-03-11T00:00:00Z'), tokens: { total: 3, cache_read: 7 }, cost: { total: 3 }, reportCount: 2 },
                    { timestamp: seconds('2024-03-11T05:00:00Z'), tokens: { total: 3 }, cost: { total: 3 }, reportCount: 1 },
                ],
                groupBy: 'hour',
                totalReports: 5,
            });

            // Session filter, and inclusive time bounds in seconds.
            const session = await a.request('POST', '/v1/usage/query', { body: { sessionId: s2.id, groupBy: 'day' } });
            expect(session.body.usage.map((b: any) => [b.timestamp, b.tokens.total, b.reportCount])).toEqual([
                [seconds('2024-03-10T00:00:00Z'), 5, 1],
                [seconds('2024-03-11T00:00:00Z'), 3, 1],
            ]);
            expect(session.body.totalReports).toBe(2);
            const window = await a.request('POST', '/v1/usage/query', {
                body: { startTime: seconds('2024-03-11T00:00:00Z'), endTime: seconds('2024-03-11T05:10:00Z'), groupBy: 'hour' },
            });
            expect(window.body.usage.map((b: any) => [b.timestamp, b.reportCount])).toEqual([
                [seconds('2024-03-11T00:00:00Z'), 2],
                [seconds('2024-03-11T05:00:00Z'), 1],
            ]);
            const startOnly = await a.request('POST', '/v1/usage/query', { body: { startTime: seconds('2024-03-11T00:45:00Z'), endTime: null } });
            expect(startOnly.body.totalReports).toBe(2);
            const endOnly = await a.request('POST', '/v1/usage/query', { body: { endTime: seconds('2024-03-10T23:30:00Z'), groupBy: null } });
            expect(endOnly.body).toMatchObject({ groupBy: 'day', totalReports: 1 });
            const empty = await a.request('POST', '/v1/usage/query', { body: { startTime: seconds('2025-01-01T00:00:00Z') } });
            expect(empty.body).toEqual({ usage: [], groupBy: 'day', totalReports: 0 });
            const reversed = await a.request('POST', '/v1/usage/query', { body: { startTime: seconds('2024-03-12T00:00:00Z'), endTime: seconds('2024-03-01T00:00:00Z') } });
            expect(reversed.body.totalReports).toBe(0);

            // The other account sees only its own report.
            const theirs = await other.request('POST', '/v1/usage/query', { body: { groupBy: 'hour' } });
            expect(theirs.body).toEqual({
                usage: [{ timestamp: seconds('2024-03-11T00:00:00Z'), tokens: { total: 1000 }, cost: { total: 1000 }, reportCount: 1 }],
                groupBy: 'hour',
                totalReports: 1,
            });
        });

        it('ignores entries that are not numbers in rows written by other servers', async () => {
            const a = await server.account();
            await seed(a.userId, [
                { at: '2024-05-01T10:00:00Z', data: data({ total: 1, note: 'x', nested: { total: 5 }, flag: true, none: null }, { total: 2 }) },
                { at: '2024-05-01T11:00:00Z', data: { tokens: 'broken', cost: [1, 2] } },
                { at: '2024-05-01T12:00:00Z', data: { other: 1 } },
            ]);
            const result = await a.request('POST', '/v1/usage/query', { body: { groupBy: 'day' } });
            expect(result.body).toEqual({
                usage: [{ timestamp: seconds('2024-05-01T00:00:00Z'), tokens: { total: 1 }, cost: { total: 2 }, reportCount: 3 }],
                groupBy: 'day',
                totalReports: 3,
            });
        });

        it('answers 404 for another account\'s or an unknown session, and 400 for bad input', async () => {
            const owner = await server.account();
            const session = await createSession(server.url, owner.token);
            const intruder = await server.account();
            for (const sessionId of [session.id, randomUUID()]) {
                const response = await intruder.request('POST', '/v1/usage/query', { body: { sessionId } });
                expect(response.status).toBe(404);
                expect(response.body).toEqual({ error: 'Session not found' });
            }
            expect((await owner.request('POST', '/v1/usage/query', { body: { sessionId: session.id } })).body).toEqual({ usage: [], groupBy: 'day', totalReports: 0 });
            expect(await server.request('POST', '/v1/usage/query', { body: {} })).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });

            const bad: Array<[unknown, string]> = [
                [{ startTime: 0 }, 'body/startTime'],
                [{ startTime: -5 }, 'body/startTime'],
                [{ startTime: 1.5 }, 'body/startTime'],
                [{ startTime: '1700000000' }, 'body/startTime'],
                [{ endTime: 253_402_300_800 }, 'body/endTime'],
                [{ endTime: 1e300 }, 'body/endTime'],
                [{ groupBy: 'week' }, 'body/groupBy'],
                [{ groupBy: 'HOUR' }, 'body/groupBy'],
                [{ sessionId: 7 }, 'body/sessionId'],
                [{ sessionId: 'a\u0000b' }, 'body/sessionId'],
                [{ sessionId: 's'.repeat(129) }, 'body/sessionId'],
                [[], 'body/'],
            ];
            for (const [body, part] of bad) {
                const response = await owner.request('POST', '/v1/usage/query', { body });
                expect(response.status, JSON.stringify(body)).toBe(400);
                expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
                expect(response.body.message).toContain(part);
            }
            // The widest legal window.
            const widest = await owner.request('POST', '/v1/usage/query', { body: { startTime: 1, endTime: 253_402_300_799 } });
            expect(widest.status).toBe(200);
        });
    });
});

function pick<T extends object, K extends keyof T>(value: T, ...keys: K[]): Pick<T, K> {
    return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}
