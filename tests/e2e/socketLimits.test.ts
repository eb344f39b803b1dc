import { beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITED_ACK } from '../../sources/transport/socket/socketLimits.ts';
import { connectNative } from '../harness/nativeClient.ts';
import { scrapeRegistry, type Scrape } from '../harness/prometheus.ts';
import { connectError } from '../harness/socketClient.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

const FLOOD = 40;

/** How much socket_limited_total{reason, protocol} grew between two scrapes. */
const grew = (before: Scrape, after: Scrape, reason: string, protocol = 'socketio') =>
    after.sum('socket_limited_total', { reason, protocol }) - before.sum('socket_limited_total', { reason, protocol });

/**
 * Per-socket event limits: a bucket of 5 events refilled at one a second, so a burst of 40 is
 * mostly refused however fast or slow the machine (no timing is asserted, only that some were
 * refused and that other sockets were served throughout).
 */
describe('socket event rate limits', () => {
    const server = useTestServer({
        env: { SOCKET_EVENTS_PER_SECOND: '1', SOCKET_EVENT_BURST: '5', SOCKET_FLOOD_DISCONNECT_AFTER: '0' },
    });
    let flooder: TestAccount;
    let other: TestAccount;

    beforeAll(async () => {
        flooder = await server.account();
        other = await server.account();
    });

    it('refuses a flooding socket with an error ack while another account is still served', async () => {
        const flooding = await flooder.connect();
        const calm = await other.connect();
        const before = await scrapeRegistry(server.deps.metrics);
        const acks = await Promise.all(Array.from({ length: FLOOD }, () => flooding.emitWithAck('ping')));
        const refused = acks.filter((ack) => JSON.stringify(ack) === JSON.stringify(RATE_LIMITED_ACK));
        expect(refused.length).toBeGreaterThan(0);
        expect(acks.filter((ack) => JSON.stringify(ack) === '{}').length).toBeGreaterThanOrEqual(5);
        expect(refused.length + acks.filter((ack) => JSON.stringify(ack) === '{}').length).toBe(FLOOD);
        // The other account's socket, and its REST calls, are answered as usual.
        expect(await calm.emitWithAck('ping')).toEqual({});
        expect((await other.request('GET', '/v1/sessions')).status).toBe(200);
        expect(flooding.socket.connected).toBe(true);
        // Each refused event is counted, and nothing else.
        const after = await scrapeRegistry(server.deps.metrics);
        expect(grew(before, after, 'event_rate')).toBe(refused.length);
        expect(grew(before, after, 'event_rate', 'native')).toBe(0);
        expect(grew(before, after, 'flood_disconnect')).toBe(0);
    });

    it('applies the same limit to native WebSocket clients', async () => {
        const native = await connectNative(server.url, { query: { token: flooder.token } });
        try {
            const before = await scrapeRegistry(server.deps.metrics);
            const acks = await Promise.all(Array.from({ length: FLOOD }, () => native.emitWithAck('ping')));
            const refused = acks.filter((ack) => ack?.error === 'Too many requests').length;
            expect(refused).toBeGreaterThan(0);
            expect(grew(before, await scrapeRegistry(server.deps.metrics), 'event_rate', 'native')).toBe(refused);
        } finally {
            native.close();
        }
    });
});

describe('socket flood disconnect', () => {
    const server = useTestServer({
        env: { SOCKET_EVENTS_PER_SECOND: '1', SOCKET_EVENT_BURST: '5', SOCKET_FLOOD_DISCONNECT_AFTER: '20' },
    });

    it('disconnects a socket that keeps sending over the limit, fire-and-forget events included', async () => {
        const account = await server.account();
        const flooding = await account.connect();
        const before = await scrapeRegistry(server.deps.metrics);
        const disconnected = new Promise<string>((resolve) => flooding.socket.once('disconnect', resolve));
        for (let i = 0; i < FLOOD; i++) flooding.socket.emit('session-alive', { sid: 'nothing', time: Date.now() });
        expect(await disconnected).toBe('io server disconnect');
        expect(grew(before, await scrapeRegistry(server.deps.metrics), 'flood_disconnect')).toBe(1);
        // A new connection of the same account is accepted: the limit is per socket.
        const again = await account.connect();
        expect(await again.emitWithAck('ping')).toEqual({});
    });
});

describe('Socket.IO connections per account', () => {
    const server = useTestServer({ env: { SOCKET_MAX_CONNECTIONS_PER_ACCOUNT: '2' } });

    it('refuses a connection over the limit and still admits other accounts', async () => {
        const account = await server.account();
        await account.connect();
        await account.connect({ clientType: 'machine-scoped', machineId: 'm1' });
        const before = await scrapeRegistry(server.deps.metrics);
        expect(await connectError(server.url, { token: account.token })).toBe('Connection limit exceeded');
        expect(grew(before, await scrapeRegistry(server.deps.metrics), 'connection_limit')).toBe(1);
        const other = await server.account();
        expect(await (await other.connect()).emitWithAck('ping')).toEqual({});
    });
});
