import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectNative, openNative, upgradeResult, type NativeClient } from '../harness/nativeClient.ts';
import { scrapeRegistry } from '../harness/prometheus.ts';
import { createSession } from '../harness/sessions.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';
import { waitFor } from '../harness/waitFor.ts';

/** Native clients this file opened, closed after each block. */
function tracked() {
    const open: NativeClient[] = [];
    return {
        add: <T extends NativeClient>(client: T) => (open.push(client), client),
        closeAll: () => open.splice(0).forEach((client) => client.close()),
    };
}

async function ticketOf(url: string, token: string): Promise<string> {
    const response = await fetch(`${url}/v1/websocket/ticket`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { ticket: string }).ticket;
}

describe('native WebSocket upgrade authentication (spec workers.md §1.2, §1.3)', () => {
    const server = useTestServer();
    let account: TestAccount;
    let sessionId: string;
    beforeAll(async () => {
        account = await server.account();
        sessionId = (await createSession(server.url, account.token)).id;
    });

    it('accepts a query token and announces the connection', async () => {
        const client = await connectNative(server.url, { query: { token: account.token } });
        const connected = await client.next('connected');
        expect(connected).toEqual({
            connectionId: expect.any(String),
            userId: account.userId,
            clientType: 'user-scoped',
            timestamp: expect.any(Number),
        });
        client.close();
    });

    it('reads the token and the scope from the headers the CLI sends', async () => {
        const client = await connectNative(server.url, {
            headers: { authorization: `Bearer ${account.token}`, 'x-client-type': 'session-scoped', 'x-session-id': sessionId },
        });
        expect(await client.next('connected')).toMatchObject({ clientType: 'session-scoped', sessionId });
        client.close();
        const machine = await connectNative(server.url, {
            query: { token: account.token, clientType: 'machine-scoped', machineId: 'm-1' },
        });
        expect(await machine.next('connected')).toMatchObject({ clientType: 'machine-scoped', machineId: 'm-1' });
        machine.close();
    });

    it('serves the /v1/websocket alias and the trailing-slash path', async () => {
        for (const path of ['/v1/websocket', '/v1/updates/', '/v1/websocket/']) {
            const client = await connectNative(server.url, { path, query: { token: account.token } });
            client.close();
        }
    });

    it('accepts a ticket once, and lets it win over a bad token', async () => {
        const ticket = await ticketOf(server.url, account.token);
        const client = await connectNative(server.url, { query: { ticket, token: 'not-a-token' } });
        expect(await client.next('connected')).toMatchObject({ userId: account.userId });
        client.close();
        expect(await upgradeResult(server.url, { query: { ticket } })).toEqual({ status: 401, body: 'Invalid or expired ticket' });
    });

    it('lets the query token win over the header', async () => {
        const client = await connectNative(server.url, {
            query: { token: account.token },
            headers: { authorization: 'Bearer not-a-token' },
        });
        client.close();
        expect(await upgradeResult(server.url, { query: { token: 'bad' }, headers: { authorization: `Bearer ${account.token}` } })).toEqual({
            status: 401,
            body: 'Invalid authentication token',
        });
    });

    it('answers upgrade failures with HTTP statuses', async () => {
        expect(await upgradeResult(server.url, { query: { ticket: 'forged.ticket' } })).toEqual({ status: 401, body: 'Invalid or expired ticket' });
        expect(await upgradeResult(server.url, { query: { token: account.token, clientType: 'session-scoped' } })).toEqual({
            status: 400,
            body: 'Session ID required for session-scoped connections',
        });
        expect(await upgradeResult(server.url, { headers: { authorization: `Bearer ${account.token}`, 'x-client-type': 'machine-scoped' } })).toEqual({
            status: 400,
            body: 'Machine ID required for machine-scoped connections',
        });
    });

    it('answers 426 to an upgrade that is not a WebSocket', async () => {
        const { port } = new URL(server.url);
        const status = await new Promise<number>((resolve, reject) => {
            const req = httpRequest({ port, path: '/v1/updates', headers: { connection: 'Upgrade', upgrade: 'h2c' } });
            req.on('response', (response) => resolve(response.statusCode ?? 0));
            req.on('upgrade', () => reject(new Error('upgraded')));
            req.on('error', reject);
            req.end();
        });
        expect(status).toBe(426);
    });

    it('requires a bearer token for a ticket', async () => {
        const response = await server.request('POST', '/v1/websocket/ticket');
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ error: 'Missing authorization header' });
    });

    it('refuses a revoked token and drops the sockets that held it', async () => {
        const other = await server.account();
        const client = await connectNative(server.url, { query: { token: other.token } });
        await server.deps.revocations.revoke(other.userId);
        expect((await client.closed).code).toBe(4000);
        expect((await upgradeResult(server.url, { query: { token: other.token } })).status).toBe(401);
    });
});

describe('native in-band authentication (spec workers.md §1.4)', () => {
    const server = useTestServer({ env: { WS_AUTH_TIMEOUT_MS: '400' } });
    const clients = tracked();
    let account: TestAccount;
    beforeAll(async () => {
        account = await server.account();
    });

    it('serves only auth and ping until the auth message, then connects', async () => {
        const client = clients.add(await openNative(server.url));
        client.emit('session-alive', { sid: 'x', time: Date.now() });
        expect(await client.next('auth-error')).toEqual({
            code: 4001,
            message: 'Connection not authenticated - send auth message first',
            timestamp: expect.any(Number),
        });
        client.emit('ping');
        expect(await client.next('pong')).toEqual({ timestamp: expect.any(Number) });
        client.emit('auth', { clientType: 'user-scoped' });
        expect(await client.next('auth-error', (data) => data.message === 'Auth message must include token')).toMatchObject({ code: 4001 });
        client.emit('auth', { token: account.token, clientType: 'machine-scoped', machineId: 'm-auth' });
        expect(await client.next('connected')).toMatchObject({ userId: account.userId, clientType: 'machine-scoped', machineId: 'm-auth' });
        expect(await client.emitWithAck('ping')).toEqual({});
    });

    it('closes with 4001 on a bad token or a missing scope id, naming the cause in auth-error', async () => {
        const cases: Array<[Record<string, unknown>, number, string]> = [
            [{ token: 'not-a-token' }, 4001, 'Invalid authentication token'],
            [{ token: account.token, clientType: 'session-scoped' }, 4003, 'Session ID required for session-scoped connections'],
            [{ token: account.token, clientType: 'machine-scoped' }, 4004, 'Machine ID required for machine-scoped connections'],
        ];
        for (const [auth, code, message] of cases) {
            const client = clients.add(await openNative(server.url));
            client.emit('auth', auth);
            expect(await client.next('auth-error')).toMatchObject({ code, message });
            expect(await client.closed).toEqual({ code: 4001, reason: 'Authentication failed' });
        }
    });

    it('closes with 4007 when no auth message comes in time, however busy the client is', async () => {
        const client = clients.add(await openNative(server.url));
        client.emit('ping');
        expect(await client.next('auth-error', (data) => data.code === 4007)).toMatchObject({
            message: 'Authentication timeout - auth message not received in time',
        });
        expect(await client.closed).toEqual({ code: 4007, reason: 'Authentication timeout' });
    });

    it('answers malformed frames with error 1002 and stays open', async () => {
        const client = clients.add(await openNative(server.url));
        client.send('{not json');
        expect(await client.next('error')).toMatchObject({ code: 1002, message: 'Invalid JSON message' });
        client.send({ nothing: true });
        expect(await client.next('error', (data) => data.message === 'Invalid message format')).toMatchObject({ code: 1002 });
        client.send({ type: 'auth', payload: { token: account.token } });
        await client.next('connected');
    });

    it('closes an unauthenticated client that sends an oversized frame', async () => {
        const client = clients.add(await openNative(server.url));
        client.emit('auth-padding', 'x'.repeat(100 * 1024));
        expect((await client.closed).code).toBe(1009);
    });
});

describe('native connections per account (spec workers.md §1.2)', () => {
    const server = useTestServer({ env: { WS_MAX_CONNECTIONS_PER_ACCOUNT: '2' } });
    const clients = tracked();

    it('refuses a third socket with 429 at upgrade and 4005 in-band, counts both, and admits again after a close', async () => {
        const refusals = async () => (await scrapeRegistry(server.deps.metrics)).sum('socket_limited_total', { reason: 'connection_limit', protocol: 'native' });
        const before = await refusals();
        const account = await server.account();
        const first = clients.add(await connectNative(server.url, { query: { token: account.token } }));
        clients.add(await connectNative(server.url, { query: { token: account.token } }));
        expect(await upgradeResult(server.url, { query: { token: account.token } })).toEqual({ status: 429, body: 'Connection limit exceeded' });
        const inBand = clients.add(await openNative(server.url));
        inBand.emit('auth', { token: account.token });
        expect(await inBand.next('auth-error')).toMatchObject({ code: 4005, message: 'Connection limit exceeded' });
        expect((await inBand.closed).code).toBe(4005);
        expect((await refusals()) - before).toBe(2);
        // Other accounts have their own allowance.
        const other = await server.account();
        clients.add(await connectNative(server.url, { query: { token: other.token } }));
        first.close();
        await waitFor('a free slot', async () => (await upgradeResult(server.url, { query: { token: account.token } })).status === 101);
        clients.closeAll();
    });
});
