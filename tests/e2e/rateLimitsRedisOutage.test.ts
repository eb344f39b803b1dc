import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type HttpResult } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { scrapeRegistry } from '../harness/prometheus.ts';
import { connectError, connectSocket, type TestSocket } from '../harness/socketClient.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcpProxy.ts';
import { skipClusterTests, startTestCluster, testRedisUrl, type TestCluster } from '../harness/testCluster.ts';
import type { TestServer } from '../harness/testServer.ts';
import { waitFor } from '../harness/waitFor.ts';

const LIMIT = 4;
const SOCKETS = 2;
const limits = {
    RATE_LIMIT_AUTH_PER_MINUTE: String(LIMIT),
    RATE_LIMIT_UPLOADS_PER_MINUTE: String(LIMIT),
    SOCKET_MAX_CONNECTIONS_PER_ACCOUNT: String(SOCKETS),
    TRUST_PROXY: 'true',
};
const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

/** `LIMIT` requests pass the limit (whatever their status), the next one is refused with 429. */
async function expectLimited(send: (attempt: number) => Promise<HttpResult>): Promise<void> {
    for (let attempt = 0; attempt < LIMIT; attempt++) expect((await send(attempt)).status).not.toBe(429);
    expect((await send(LIMIT)).status).toBe(429);
}

/**
 * An attacker who cuts a node off Redis (or waits for an outage) must not lift the limits: node
 * A reaches Redis through a proxy the test cuts and restores, node B keeps its own connection.
 */
describe.skipIf(skipClusterTests)('abuse limits while Redis is away', () => {
    let cluster: TestCluster;
    let redisLine: TcpProxy;
    let a: TestServer;
    let b: TestServer;
    let token: string;
    let socketToken: string;
    const open: TestSocket[] = [];

    beforeAll(async () => {
        redisLine = await startTcpProxy(Number(new URL(testRedisUrl!).port || 6379));
        cluster = await startTestCluster(1, { env: () => limits });
        b = cluster.nodes[0]!;
        a = await cluster.addNode({ redisUrl: redisLine.url('redis') });
        await cluster.formed();
        // Two sign-ins from 127.0.0.1, under its auth limit; the tests use other addresses.
        ({ token } = await login(a.url));
        ({ token: socketToken } = await login(b.url));
    });
    afterAll(async () => {
        for (const client of open) client.close();
        await cluster?.dispose();
        await redisLine?.close();
    });

    async function connect(node: TestServer) {
        const client = await connectSocket(node.url, socketToken);
        open.push(client);
        return client;
    }

    it('counts on the node alone during the outage, and for the whole cluster again after it', { timeout: 60_000 }, async () => {
        await redisLine.cut();
        await waitFor('A to report Redis down', async () => (await request(a.url, 'GET', '/ready')).status === 503);
        const before = await scrapeRegistry(a.deps.metrics);

        // A still refuses past the limit, per address and per account, counting by itself.
        await expectLimited(() => request(a.url, 'POST', '/v1/auth', { ...from('192.0.2.30'), body: {} }));
        await expectLimited(() => request(a.url, 'GET', '/v1/uploads', { token }));
        const refused = (await scrapeRegistry(a.deps.metrics)).sum('http_rate_limited_total') - before.sum('http_rate_limited_total');
        expect(refused).toBe(2);
        // B, which still has Redis, counts without A's hits meanwhile: the budget is per node.
        expect((await request(b.url, 'GET', '/v1/uploads', { token })).status).toBe(200);
        // Sockets per account: A cannot see B's, and holds the limit for its own.
        for (let i = 0; i < SOCKETS; i++) await connect(a);
        expect(await connectError(a.url, { token: socketToken })).toBe('Connection limit exceeded');

        await redisLine.restore();
        await waitFor('A to report Redis up', async () => (await request(a.url, 'GET', '/ready')).status === 200);
        await cluster.formed();

        // Shared again: requests alternating between the nodes use up one budget.
        await expectLimited((attempt) => request(attempt % 2 === 0 ? a.url : b.url, 'POST', '/v1/auth', { ...from('192.0.2.31'), body: {} }));
        expect((await request(a.url, 'POST', '/v1/auth', { ...from('192.0.2.31'), body: {} })).status).toBe(429);
        // B's uploads count meanwhile was in Redis: A now sees it (1 there, so 3 more pass).
        for (let i = 0; i < LIMIT - 1; i++) expect((await request(a.url, 'GET', '/v1/uploads', { token })).status).toBe(200);
        expect((await request(b.url, 'GET', '/v1/uploads', { token })).status).toBe(429);
        // And B counts A's sockets again.
        expect(await connectError(b.url, { token: socketToken })).toBe('Connection limit exceeded');
    });
});
