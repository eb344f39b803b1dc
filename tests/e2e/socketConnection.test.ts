import { beforeAll, describe, expect, it } from 'vitest';
import { login } from '../harness/keyClient.ts';
import { connectError, connectSocket, roundTrip } from '../harness/socketClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';

describe('socket handshake and lifecycle (spec realtime.md §2, §4)', () => {
    const server = useTestServer();
    let token: string;
    beforeAll(async () => {
        ({ token } = await server.account());
    });

    it('rejects bad handshakes with the upstream messages, in order', async () => {
        expect(await connectError(server.url, {})).toBe('Missing authentication token');
        expect(await connectError(server.url, { token, clientType: 'session-scoped' })).toBe(
            'Session ID required for session-scoped clients',
        );
        expect(await connectError(server.url, { token, clientType: 'machine-scoped' })).toBe(
            'Machine ID required for machine-scoped clients',
        );
        expect(await connectError(server.url, { token: 'nope', clientType: 'session-scoped', sessionId: 's' })).toBe(
            'Invalid authentication token',
        );
        expect(await connectError(server.url, { token: 42 })).toBe('Invalid authentication token');
    });

    it('accepts unknown session and machine ids and acks ping with {}', async () => {
        const session = await connectSocket(server.url, token, { clientType: 'session-scoped', sessionId: 'does-not-exist' });
        expect(await session.emitWithAck('ping')).toEqual({});
        session.close();
    });

    it('announces daemon sockets to the apps on connect and disconnect', async () => {
        const app = await connectSocket(server.url, token);
        const daemon = await connectSocket(server.url, token, { clientType: 'machine-scoped', machineId: 'm-1' });
        const online = await app.next('ephemeral', (e) => e.type === 'machine-activity' && e.active === true);
        expect(Object.keys(online)).toEqual(['type', 'id', 'active', 'activeAt']);
        expect(online).toMatchObject({ type: 'machine-activity', id: 'm-1', active: true });
        daemon.close();
        const offline = await app.next('ephemeral', (e) => e.type === 'machine-activity' && e.active === false);
        expect(offline).toMatchObject({ id: 'm-1', active: false });
        await roundTrip(app);
        expect(daemon.ephemerals).toEqual([]);
        app.close();
    });

    it('keeps accounts apart: another account hears nothing', async () => {
        const other = await connectSocket(server.url, (await login(server.url)).token);
        const daemon = await connectSocket(server.url, token, { clientType: 'machine-scoped', machineId: 'm-2' });
        await roundTrip(daemon);
        await roundTrip(other);
        expect(other.ephemerals).toEqual([]);
        daemon.close();
        other.close();
    });
});
