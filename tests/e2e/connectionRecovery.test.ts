import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { dropAndReconnect, portOf } from '../harness/reconnect.ts';
import { callRpc, serveRpc } from '../harness/rpcClient.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import type { ClientAuth } from '../harness/socketClient.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcpProxy.ts';
import { useTestServer } from '../harness/useTestServer.ts';

const isMessage = (localId: string) => (u: any) => u.body.t === 'new-message' && u.body.message.localId === localId;

/**
 * Connection state recovery on one node (the in-memory adapter); cluster.test.ts does the same
 * across nodes. Clients reach the server through a TCP proxy that can drop their connection.
 */
describe('connection state recovery', () => {
    const server = useTestServer();
    let balancer: TcpProxy;
    let token: string;
    beforeAll(async () => {
        balancer = await startTcpProxy(portOf(server));
        ({ token } = await server.account());
    });
    afterAll(() => balancer?.close());

    const connect = (url: string, auth: ClientAuth) => server.connect(token, auth, url);

    it('replays to a dropped client the updates it missed, under the same socket id', async () => {
        const sessionId = (await createSession(server.url, token)).id;
        const app = await connect(balancer.url('http'), { clientType: 'user-scoped' });
        await postMessages(server.url, token, sessionId, [{ localId: 'before', content: ciphertext() }]);
        await app.next('update', isMessage('before'));
        const id = app.socket.id;

        await dropAndReconnect(app, balancer, server, async () => {
            await postMessages(server.url, token, sessionId, [{ localId: 'missed-1', content: ciphertext() }]);
            await postMessages(server.url, token, sessionId, [{ localId: 'missed-2', content: ciphertext() }]);
        });
        expect(app.socket.recovered).toBe(true);
        expect(app.socket.id).toBe(id);
        await app.next('update', isMessage('missed-2'));
        await postMessages(server.url, token, sessionId, [{ localId: 'after', content: ciphertext() }]);
        await app.next('update', isMessage('after'));
        const localIds = app.updates.filter((u) => u.body.t === 'new-message').map((u) => u.body.message.localId);
        expect(localIds).toEqual(['before', 'missed-1', 'missed-2', 'after']);
    });

    it('brings a daemon back with its rooms, RPC methods and handlers, and announces it again', async () => {
        const machineId = randomUUID();
        await request(server.url, 'POST', '/v1/machines', { token, body: { id: machineId, metadata: ciphertext() } });
        const app = await connect(server.url, { clientType: 'user-scoped' });
        const daemon = await connect(balancer.url('http'), { clientType: 'machine-scoped', machineId });
        const requests = await serveRpc(daemon, `${machineId}:spawn-happy-session`, () => 'spawned');
        const serverSocket = () => server.deps.io.of('/').sockets.get(daemon.socket.id!)!;
        const rooms = [...serverSocket().rooms].sort();

        await dropAndReconnect(daemon, balancer, server, async () => {
            const update = await app.emitWithAck('machine-update-metadata', { machineId, metadata: ciphertext(), expectedVersion: 1 });
            expect(update).toMatchObject({ result: 'success', version: 2 });
        });
        expect(daemon.socket.recovered).toBe(true);
        expect([...serverSocket().rooms].sort()).toEqual(rooms);
        expect(serverSocket().listeners('rpc-call')).toHaveLength(1);
        await daemon.next('update', (u) => u.body.t === 'update-machine' && u.body.metadata?.version === 2);

        expect(await callRpc(app, `${machineId}:spawn-happy-session`, 'x')).toEqual({ ok: true, result: 'spawned' });
        expect(requests).toHaveLength(1);
        const announced = app.ephemerals.filter((e) => e.type === 'machine-activity' && e.id === machineId).map((e) => e.active);
        expect(announced).toEqual([true, false, true]);
    });
});

describe('connection state recovery turned off', () => {
    const server = useTestServer({ env: { CONNECTION_RECOVERY_SECONDS: '0' } });

    it('reconnects as a fresh socket with CONNECTION_RECOVERY_SECONDS=0, as upstream did', async () => {
        const balancer = await startTcpProxy(portOf(server));
        try {
            const { token } = await server.account();
            const sessionId = (await createSession(server.url, token)).id;
            const app = await server.connect(token, { clientType: 'user-scoped' }, balancer.url('http'));
            const id = app.socket.id;
            await dropAndReconnect(app, balancer, server, async () => {
                await postMessages(server.url, token, sessionId, [{ localId: 'missed', content: ciphertext() }]);
            });
            expect(app.socket.recovered).not.toBe(true);
            expect(app.socket.id).not.toBe(id);
            await postMessages(server.url, token, sessionId, [{ localId: 'after', content: ciphertext() }]);
            await app.next('update', isMessage('after'));
            expect(app.updates.some(isMessage('missed'))).toBe(false);
        } finally {
            await balancer.close();
        }
    });
});
