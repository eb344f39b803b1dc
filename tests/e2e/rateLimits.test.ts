import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type HttpResult } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { scrapeRegistry } from '../harness/prometheus.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';
import type { TestServer } from '../harness/testServer.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

const LIMIT = 4;
/** Small limits for every class; the address-counted ones see X-Forwarded-For (TRUST_PROXY). */
const smallLimits = {
    RATE_LIMIT_AUTH_PER_MINUTE: String(LIMIT),
    RATE_LIMIT_PAIRING_PER_MINUTE: String(LIMIT),
    RATE_LIMIT_SEARCH_PER_MINUTE: String(LIMIT),
    RATE_LIMIT_PUSH_PER_MINUTE: String(LIMIT),
    RATE_LIMIT_UPLOADS_PER_MINUTE: String(LIMIT),
    RATE_LIMIT_WS_TICKET_PER_MINUTE: String(LIMIT),
    TRUST_PROXY: 'true',
};

/** `LIMIT` requests are answered (whatever their status), the next one is refused with 429. */
async function expectLimited(send: (attempt: number) => Promise<HttpResult>): Promise<HttpResult> {
    for (let attempt = 0; attempt < LIMIT; attempt++) expect((await send(attempt)).status).not.toBe(429);
    const refused = await send(LIMIT);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'Rate limit exceeded', retryAfter: expect.any(Number) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.retryAfter).toBe(retryAfter);
    expect(refused.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    return refused;
}

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

describe('HTTP rate limits', () => {
    const server = useTestServer({ env: smallLimits });
    let alice: TestAccount;
    let bob: TestAccount;

    beforeAll(async () => {
        // Two sign-ins from 127.0.0.1: under the auth limit, which the tests below use from other addresses.
        alice = await server.account();
        bob = await server.account();
    });

    it('limits sign-in per client address, before anything is parsed or verified', async () => {
        await expectLimited(() => server.request('POST', '/v1/auth', { ...from('203.0.113.1'), body: {} }));
        await expectLimited(() => server.request('POST', '/v1/auth/refresh', from('203.0.113.2')));
        // Another address has its own budget.
        expect((await server.request('POST', '/v1/auth', { ...from('203.0.113.3'), body: {} })).status).toBe(400);
    });

    it('limits the pairing routes (requests, status polls, responses) per client address, together', async () => {
        const address = '198.51.100.7';
        const paths = ['/v1/auth/request/status?publicKey=x', '/v1/auth/request/status'];
        await expectLimited((attempt) =>
            attempt % 2 === 0 ? server.request('GET', paths[attempt % 2]!, from(address)) : server.request('POST', '/v1/auth/account/request', { ...from(address), body: {} }),
        );
        expect((await server.request('POST', '/v1/auth/response', { ...from(address), body: {} })).status).toBe(429);
        expect((await server.request('POST', '/v1/auth/request', { ...from('198.51.100.8'), body: {} })).status).toBe(400);
    });

    it('limits user search, push, uploads and WebSocket tickets per account', async () => {
        await expectLimited(() => alice.request('GET', '/v1/user/search?query=someone'));
        await expectLimited((attempt) =>
            attempt % 2 === 0 ? alice.request('GET', '/v1/push-tokens') : alice.request('DELETE', '/v1/push-tokens/nothing'),
        );
        await expectLimited(() => alice.request('GET', '/v1/uploads'));
        await expectLimited(() => alice.request('POST', '/v1/websocket/ticket'));
        // Another account from the same address is still served on every class.
        expect((await bob.request('GET', '/v1/user/search?query=someone')).status).toBe(200);
        expect((await bob.request('GET', '/v1/push-tokens')).status).toBe(200);
        expect((await bob.request('GET', '/v1/uploads')).status).toBe(200);
        expect((await bob.request('POST', '/v1/websocket/ticket')).status).toBe(200);
        // And routes outside the classes are not limited.
        for (let i = 0; i <= LIMIT; i++) expect((await alice.request('GET', '/v1/sessions')).status).toBe(200);
    });

    it('counts every refusal in http_rate_limited_total, by limit', async () => {
        const before = await scrapeRegistry(server.deps.metrics);
        expect(before.types.get('http_rate_limited_total')).toBe('counter');
        // Every class has its series from the start, and so has upstream's attachment limit.
        const limits = ['auth', 'pairing', 'search', 'push', 'uploads', 'ws_ticket', 'attachment_requests'];
        expect(before.find('http_rate_limited_total').map((sample) => sample.labels.limit).sort()).toEqual(limits.sort());

        await expectLimited(() => server.request('POST', '/v1/auth', { ...from('203.0.113.50'), body: {} }));
        expect((await server.request('POST', '/v1/auth', { ...from('203.0.113.50'), body: {} })).status).toBe(429);
        const carol = await server.account();
        await expectLimited(() => carol.request('POST', '/v1/websocket/ticket'));

        const after = await scrapeRegistry(server.deps.metrics);
        const grew = (limit: string) => after.sum('http_rate_limited_total', { limit }) - before.sum('http_rate_limited_total', { limit });
        expect(limits.map((limit) => [limit, grew(limit)])).toEqual(
            limits.map((limit) => [limit, limit === 'auth' ? 2 : limit === 'ws_ticket' ? 1 : 0]),
        );
    });

    it('checks the token before counting an account-limited route', async () => {
        for (let i = 0; i <= LIMIT; i++) expect((await server.request('GET', '/v1/user/search?query=x')).status).toBe(401);
    });
});

describe('HTTP rate limits turned off', () => {
    const server = useTestServer({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '0' } });

    it('answers every request of a class set to 0', async () => {
        for (let i = 0; i < 70; i++) expect((await server.request('POST', '/v1/auth', { body: {} })).status).toBe(400);
    });
});

describe.skipIf(skipClusterTests)('HTTP rate limits over two nodes (Redis)', () => {
    let cluster: TestCluster;

    beforeAll(async () => {
        cluster = await startTestCluster(2, { env: () => smallLimits });
    });
    afterAll(async () => {
        await cluster?.dispose();
    });

    it('counts one budget for the whole cluster', async () => {
        const [a, b] = cluster.nodes as [TestServer, TestServer];
        const { token } = await login(a.url);
        await expectLimited((attempt) => request(attempt % 2 === 0 ? a.url : b.url, 'GET', '/v1/uploads', { token }));
        expect((await request(a.url, 'GET', '/v1/uploads', { token })).status).toBe(429);
        await expectLimited((attempt) => request(attempt % 2 === 0 ? b.url : a.url, 'POST', '/v1/auth', { ...from('192.0.2.9'), body: {} }));
    });
});
