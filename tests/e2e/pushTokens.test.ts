import { describe, expect, it } from 'vitest';
import { useTestServer } from '../harness/useTestServer.ts';

const expoToken = (suffix: string) => `ExponentPushToken[${suffix.padEnd(22, 'x')}]`;
const path = (token: string) => `/v1/push-tokens/${encodeURIComponent(token)}`;

describe('push tokens (spec rest.md §3.4)', () => {
    const server = useTestServer();
    const prisma = () => server.deps.db.prisma;

    it('registers idempotently, lists newest first with the exact shape, and deletes', async () => {
        const a = await server.account();
        const first = expoToken('first');
        const second = expoToken('second');

        const registered = await a.request('POST', '/v1/push-tokens', { body: { token: first } });
        expect(registered.status).toBe(200);
        expect(registered.body).toEqual({ success: true });
        const [row] = await prisma().accountPushToken.findMany({ where: { accountId: a.userId } });

        // Registering again (every app start) keeps the row and only touches updatedAt.
        await prisma().accountPushToken.update({ where: { id: row!.id }, data: { createdAt: new Date(Date.UTC(2025, 0, 1)), updatedAt: new Date(Date.UTC(2025, 0, 1)) } });
        expect((await a.request('POST', '/v1/push-tokens', { body: { token: first } })).body).toEqual({ success: true });
        const again = await prisma().accountPushToken.findMany({ where: { accountId: a.userId } });
        expect(again).toHaveLength(1);
        expect(again[0]!.id).toBe(row!.id);
        expect(again[0]!.createdAt.toISOString()).toBe('2025-01-01T00:00:00.000Z');
        expect(again[0]!.updatedAt.getTime()).toBeGreaterThan(Date.UTC(2025, 0, 1));

        expect((await a.request('POST', '/v1/push-tokens', { body: { token: second } })).status).toBe(200);
        const list = await a.request('GET', '/v1/push-tokens');
        expect(list.status).toBe(200);
        expect(Object.keys(list.body)).toEqual(['tokens']);
        expect(list.body.tokens.map((t: any) => t.token)).toEqual([second, first]);
        for (const token of list.body.tokens) expect(Object.keys(token)).toEqual(['id', 'token', 'createdAt', 'updatedAt']);
        expect(list.body.tokens[1]).toEqual({
            id: row!.id,
            token: first,
            createdAt: Date.UTC(2025, 0, 1),
            updatedAt: again[0]!.updatedAt.getTime(),
        });

        const deleted = await a.request('DELETE', path(first));
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ success: true });
        expect((await a.request('GET', '/v1/push-tokens')).body.tokens.map((t: any) => t.token)).toEqual([second]);
        // Deleting what is not there is still a success.
        expect(await a.request('DELETE', path(first))).toMatchObject({ status: 200, body: { success: true } });
        expect(await a.request('DELETE', path('never-registered'))).toMatchObject({ status: 200, body: { success: true } });
        expect(await prisma().accountPushToken.count({ where: { accountId: a.userId } })).toBe(1);
    });

    it('keeps one row under concurrent registrations of one token', async () => {
        const a = await server.account();
        const token = expoToken('concurrent');
        const results = await Promise.all(Array.from({ length: 30 }, () => a.request('POST', '/v1/push-tokens', { body: { token } })));
        expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
        for (const r of results) expect(r.body).toEqual({ success: true });
        expect(await prisma().accountPushToken.count({ where: { accountId: a.userId, token } })).toBe(1);
    });

    it('keeps each account to its own tokens, also for the same token string', async () => {
        const owner = await server.account();
        const intruder = await server.account();
        const shared = expoToken('shared-device');
        const mine = expoToken('owner-only');
        await owner.request('POST', '/v1/push-tokens', { body: { token: shared } });
        await owner.request('POST', '/v1/push-tokens', { body: { token: mine } });

        expect((await intruder.request('GET', '/v1/push-tokens')).body).toEqual({ tokens: [] });
        // Deleting another account's token answers like a missing one and deletes nothing.
        expect(await intruder.request('DELETE', path(mine))).toMatchObject({ status: 200, body: { success: true } });
        expect(await prisma().accountPushToken.count({ where: { accountId: owner.userId } })).toBe(2);

        // The same device token under another account is a row of that account.
        expect((await intruder.request('POST', '/v1/push-tokens', { body: { token: shared } })).status).toBe(200);
        expect((await intruder.request('GET', '/v1/push-tokens')).body.tokens.map((t: any) => t.token)).toEqual([shared]);
        expect((await intruder.request('DELETE', path(shared))).status).toBe(200);
        expect((await owner.request('GET', '/v1/push-tokens')).body.tokens.map((t: any) => t.token).sort()).toEqual([mine, shared].sort());
    });

    it('answers bad input with 4xx and never a 500', async () => {
        const a = await server.account();
        for (const [method, url] of [['POST', '/v1/push-tokens'], ['GET', '/v1/push-tokens'], ['DELETE', path('x')]] as const) {
            const response = await server.request(method, url, { body: method === 'POST' ? { token: 'x' } : undefined });
            expect(response).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });
        }
        const bad: Array<[unknown, string]> = [
            [{}, 'body/token'],
            [{ token: 7 }, 'body/token'],
            [{ token: null }, 'body/token'],
            [{ token: '' }, 'body/token'],
            [{ token: 't'.repeat(513) }, 'body/token'],
            [{ token: 'nul\u0000' }, 'body/token'],
            [[], 'body/'],
        ];
        for (const [body, part] of bad) {
            const response = await a.request('POST', '/v1/push-tokens', { body });
            expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(400);
            expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
            expect(response.body.message).toContain(part);
        }
        expect((await a.request('POST', '/v1/push-tokens', { body: { token: 't'.repeat(512) } })).status).toBe(200);
        expect((await a.request('DELETE', path('a\u0000b'))).status).toBe(400);
        // Longer than the router's parameter limit: the generic 404, as upstream.
        expect(await a.request('DELETE', path('t'.repeat(101)))).toMatchObject({ status: 404, body: { error: 'Not found' } });

        // A token of an account that does not exist.
        const ghost = await server.deps.tokens.issue('cghostaccount00000000000000');
        const ghostPost = await server.request('POST', '/v1/push-tokens', { token: ghost, body: { token: 'x' } });
        expect(ghostPost).toMatchObject({ status: 404, body: { error: 'Account not found' } });
        expect(await server.request('GET', '/v1/push-tokens', { token: ghost })).toMatchObject({ status: 200, body: { tokens: [] } });
    });
});
