import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../sources/deps.ts';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { connectNative, type NativeClient } from '../harness/nativeClient.ts';
import { connectSocket } from '../harness/socketClient.ts';
import { startTcpProxy } from '../harness/tcpProxy.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';
import { createTestDatabase, usesPostgres } from '../harness/testDatabase.ts';
import { startTestServer } from '../harness/testServer.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';
import { waitFor } from '../harness/waitFor.ts';

const weekly = (id: string, percentageUsed: number) => ({
    id,
    label: `Label ${id}`,
    percentageUsed,
    resetsAt: 1_735_689_600_000,
    resetDisplayType: 'countdown' as const,
});

/** What the CLI pushes (HAP-751), every field the protocol has. */
const LIMITS = {
    sessionLimit: { id: 'session', label: 'Session', percentageUsed: 50, resetsAt: null, resetDisplayType: 'datetime', description: 'Five-hour window' },
    weeklyLimits: [weekly('opus_tokens', 75.5), weekly('all_models', 12)],
    limitsAvailable: true,
    provider: 'anthropic',
};

const storedRow = async (deps: Deps, userId: string) =>
    (await deps.db.sql.query<{ value: unknown }>(`SELECT "value" FROM "AccountUsageLimits" WHERE "accountId" = $1`, [userId]))[0]?.value;

describe('plan usage limits: update-usage-limits and GET /v1/usage/limits (spec workers.md §1.11, §2.4)', () => {
    const server = useTestServer();
    let account: TestAccount;
    let cli: NativeClient;
    beforeAll(async () => {
        account = await server.account();
        cli = await connectNative(server.url, { query: { token: account.token } });
    });
    afterAll(() => cli?.close());

    it('answers "no limits" with the current time before any report', async () => {
        const before = Date.now();
        const response = await account.request('GET', '/v1/usage/limits');
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ limitsAvailable: false, weeklyLimits: [], lastUpdatedAt: expect.any(Number) });
        expect(response.body.lastUpdatedAt).toBeGreaterThanOrEqual(before);
        expect(await storedRow(server.deps, account.userId)).toBeUndefined();
    });

    it('stores a native report per account and serves it with lastUpdatedAt in epoch ms', async () => {
        const before = Date.now();
        expect(await cli.emitWithAck('update-usage-limits', LIMITS)).toEqual({ success: true });
        const response = await account.request('GET', '/v1/usage/limits');
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ ...LIMITS, lastUpdatedAt: expect.any(Number) });
        expect(response.body.lastUpdatedAt).toBeGreaterThanOrEqual(before - 1000);
        expect(Object.keys(response.body)).toEqual(['sessionLimit', 'weeklyLimits', 'lastUpdatedAt', 'limitsAvailable', 'provider']);
        expect(await storedRow(server.deps, account.userId)).toEqual(LIMITS);

        // Another account sees only its own (nothing yet).
        const other = await server.account();
        expect((await other.request('GET', '/v1/usage/limits')).body).toMatchObject({ limitsAvailable: false, weeklyLimits: [] });
    });

    it('replaces the report with the next one, drops unknown keys and stores null optionals as absent', async () => {
        const next = {
            sessionLimit: null,
            weeklyLimits: [{ ...weekly('opus_tokens', 100), description: null, extra: 'dropped' }],
            limitsAvailable: false,
            provider: null,
            lastUpdatedAt: 1,
            injected: { a: 1 },
        };
        expect(await cli.emitWithAck('update-usage-limits', next)).toEqual({ success: true });
        const response = await account.request('GET', '/v1/usage/limits');
        expect(response.body).toEqual({ weeklyLimits: [weekly('opus_tokens', 100)], lastUpdatedAt: expect.any(Number), limitsAvailable: false });
        expect(response.body.lastUpdatedAt).not.toBe(1);
        expect(await storedRow(server.deps, account.userId)).toEqual({ weeklyLimits: [weekly('opus_tokens', 100)], limitsAvailable: false });
    });

    it('takes the same event from a Socket.IO client, with a Socket.IO ack', async () => {
        const sio = await account.connect({ clientType: 'session-scoped', sessionId: 'any-session' });
        expect(await sio.emitWithAck('update-usage-limits', { ...LIMITS, provider: 'openai' })).toEqual({ success: true });
        expect((await account.request('GET', '/v1/usage/limits')).body).toEqual({ ...LIMITS, provider: 'openai', lastUpdatedAt: expect.any(Number) });
    });

    it('refuses bad payloads with the Workers messages where it had them, and writes nothing', async () => {
        const stored = await storedRow(server.deps, account.userId);
        const invalid = (error: string) => ({ success: false, error });
        const cases: Array<[unknown, string]> = [
            [{ weeklyLimits: [] }, 'Invalid payload: limitsAvailable must be boolean'],
            [{ weeklyLimits: [], limitsAvailable: 'yes' }, 'Invalid payload: limitsAvailable must be boolean'],
            [{ limitsAvailable: true }, 'Invalid payload: weeklyLimits must be array'],
            [{ limitsAvailable: true, weeklyLimits: { 0: weekly('a', 1) } }, 'Invalid payload: weeklyLimits must be array'],
            // Both wrong: limitsAvailable is checked first, as the Workers server did.
            [{ limitsAvailable: 1, weeklyLimits: 'none' }, 'Invalid payload: limitsAvailable must be boolean'],
            [null, 'Invalid payload: must be an object'],
            ['limits', 'Invalid payload: must be an object'],
        ];
        for (const [payload, error] of cases) expect(await cli.emitWithAck('update-usage-limits', payload)).toEqual(invalid(error));

        const field = async (payload: unknown, path: string) => {
            const ack = await cli.emitWithAck('update-usage-limits', payload);
            expect(ack).toEqual({ success: false, error: expect.stringMatching(new RegExp(`^Invalid payload: ${path.replace(/\./g, '\\.')}: `)) });
        };
        await field({ limitsAvailable: true, weeklyLimits: [weekly('a', 100.5)] }, 'weeklyLimits.0.percentageUsed');
        await field({ limitsAvailable: true, weeklyLimits: [weekly('a', 1), weekly('b', -1)] }, 'weeklyLimits.1.percentageUsed');
        await field({ limitsAvailable: true, weeklyLimits: [{ ...weekly('a', 1), resetDisplayType: 'never' }] }, 'weeklyLimits.0.resetDisplayType');
        await field({ limitsAvailable: true, weeklyLimits: [{ ...weekly('a', 1), resetsAt: '2025-01-01' }] }, 'weeklyLimits.0.resetsAt');
        await field({ limitsAvailable: true, weeklyLimits: [{ ...weekly('a', 1), id: '' }] }, 'weeklyLimits.0.id');
        await field({ limitsAvailable: true, weeklyLimits: [{ ...weekly('a', 1), label: 'x'.repeat(257) }] }, 'weeklyLimits.0.label');
        await field({ limitsAvailable: true, weeklyLimits: [{ ...weekly('a', 1), description: 'x'.repeat(2049) }] }, 'weeklyLimits.0.description');
        await field({ limitsAvailable: true, weeklyLimits: [{ ...weekly('a', 1), label: 'nul\u0000' }] }, 'weeklyLimits.0.label');
        await field({ limitsAvailable: true, weeklyLimits: Array.from({ length: 51 }, (_, i) => weekly(`l${i}`, 1)) }, 'weeklyLimits');
        await field({ ...LIMITS, sessionLimit: { ...LIMITS.sessionLimit, percentageUsed: null } }, 'sessionLimit.percentageUsed');
        await field({ ...LIMITS, provider: 'p'.repeat(257) }, 'provider');

        expect(await storedRow(server.deps, account.userId)).toEqual(stored);
        // Fifty are fine.
        const fifty = { limitsAvailable: true, weeklyLimits: Array.from({ length: 50 }, (_, i) => weekly(`l${i}`, i)) };
        expect(await cli.emitWithAck('update-usage-limits', fifty)).toEqual({ success: true });
        expect((await account.request('GET', '/v1/usage/limits')).body.weeklyLimits).toHaveLength(50);
    });

    it('answers "no limits" rather than a 500 when the stored row no longer fits the schema', async () => {
        const owner = await server.account();
        await server.deps.db.sql.query(
            `INSERT INTO "AccountUsageLimits" ("accountId", "value", "lastUpdatedAt") VALUES ($1, '{"weeklyLimits": 3}'::jsonb, now())`,
            [owner.userId],
        );
        const response = await owner.request('GET', '/v1/usage/limits');
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ limitsAvailable: false, weeklyLimits: [], lastUpdatedAt: expect.any(Number) });
    });

    it('requires a bearer token', async () => {
        expect((await server.request('GET', '/v1/usage/limits')).status).toBe(401);
    });

    it('is described in /openapi.json behind the bearer token', async () => {
        const doc = (await server.request('GET', '/openapi.json')).body;
        expect(doc.paths['/v1/usage/limits'].get).toMatchObject({ tags: ['usage'], security: [{ bearer: [] }] });
    });
});

describe('plan usage limits survive a restart', () => {
    it('serves the stored report from a new server process on the same data', async () => {
        const first = await startTestServer({ persistent: true });
        let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
        try {
            const { token } = await login(first.url);
            const cli = await connectNative(first.url, { query: { token, clientType: 'machine-scoped', machineId: 'm-1' } });
            expect(await cli.emitWithAck('update-usage-limits', LIMITS)).toEqual({ success: true });
            const stored = (await request(first.url, 'GET', '/v1/usage/limits', { token })).body;
            cli.close();
            await first.stop();

            second = await startTestServer({ reuse: { database: first.database, dataDir: first.dataDir } });
            const response = await request(second.url, 'GET', '/v1/usage/limits', { token });
            expect(response.status).toBe(200);
            expect(response.body).toEqual(stored);
        } finally {
            await second?.stop();
            await first.dispose();
        }
    });
});

describe.skipIf(skipClusterTests)('plan usage limits on two nodes', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
        cluster = await startTestCluster(2);
    });
    afterAll(async () => {
        await cluster?.dispose();
    });

    it('reads on one node what a CLI reported on the other', async () => {
        const [a, b] = cluster.nodes as [TestCluster['nodes'][0], TestCluster['nodes'][0]];
        const { token } = await login(a.url);
        const cli = await connectNative(b.url, { query: { token } });
        try {
            expect(await cli.emitWithAck('update-usage-limits', LIMITS)).toEqual({ success: true });
            expect((await request(a.url, 'GET', '/v1/usage/limits', { token })).body).toEqual({ ...LIMITS, lastUpdatedAt: expect.any(Number) });
        } finally {
            cli.close();
        }
    });
});

/**
 * Postgres gone: the route answers 503 with Retry-After like every other route (not the Workers
 * "no limits", which a client would take for the truth), the socket report its error ack; both
 * work again once it is back.
 */
describe.skipIf(!usesPostgres())('plan usage limits while Postgres is gone', () => {
    it('answers 503 and the error ack, then serves again', { timeout: 60_000 }, async () => {
        const database = await createTestDatabase();
        const url = new URL(database.env.DATABASE_URL!);
        const line = await startTcpProxy(Number(url.port || 5432));
        url.host = `127.0.0.1:${line.port}`;
        const node = await startTestServer({
            reuse: { database, dataDir: await mkdtemp(join(tmpdir(), 'happy-limits-')) },
            env: { DATABASE_URL: url.toString(), DATABASE_QUERY_TIMEOUT_MS: '1000' },
        });
        try {
            const { token } = await login(node.url);
            const sio = await connectSocket(node.url, token);
            expect((await request(node.url, 'GET', '/v1/usage/limits', { token })).status).toBe(200);

            await line.cut();
            const response = await request(node.url, 'GET', '/v1/usage/limits', { token });
            expect({ status: response.status, body: response.body }).toEqual({
                status: 503,
                body: { error: 'Service Unavailable', message: 'Database unavailable, try again shortly', statusCode: 503 },
            });
            expect(response.headers.get('retry-after')).toBe('5');
            expect(await sio.emitWithAck('update-usage-limits', LIMITS, 20_000)).toEqual({ success: false, error: 'Failed to store usage limits' });

            await line.restore();
            // The pool's first attempts may still meet connections the cut left behind.
            await waitFor('a stored report', async () => (await sio.emitWithAck('update-usage-limits', LIMITS, 20_000)).success);
            expect((await request(node.url, 'GET', '/v1/usage/limits', { token })).body).toEqual({ ...LIMITS, lastUpdatedAt: expect.any(Number) });
            sio.close();
        } finally {
            await node.dispose();
            await line.close();
        }
    });
});
