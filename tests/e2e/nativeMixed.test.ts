import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { useMixedAccounts, type Nodes } from '../harness/mixedClients.ts';
import type { NativeClient } from '../harness/nativeClient.ts';
import { ciphertext, createSession } from '../harness/sessions.ts';
import { roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';
import { useTestServer } from '../harness/useTestServer.ts';

/**
 * Both client generations on one account (spec workers.md §0.4, issue 12): each side's updates,
 * messages and RPC reach the other, with the Node protocol's acks and error strings.
 */
function mixedClients(nodes: Nodes) {
    const account = useMixedAccounts(nodes);

    /** A Socket.IO daemon that registers `method` the way happy-cli does. */
    async function serveSocketIo(daemon: TestSocket, method: string) {
        daemon.socket.on('rpc-request', (payload: any, ack: (result: unknown) => void) => ack(`sio:${payload.params}`));
        daemon.socket.emit('rpc-register', { method });
        await daemon.next('rpc-registered', (event) => event.method === method);
    }

    /** A native daemon: registers like the Workers-generation CLI and answers with `rpc-response`. */
    async function serveNative(daemon: NativeClient, method: string) {
        daemon.onRpcRequest(({ params }) => `native:${params}`);
        daemon.emit('rpc-register', { method });
        await daemon.next('rpc-registered', (event) => event.method === method);
    }

    it('lets a native app call a Socket.IO daemon', async () => {
        const { native, socketIo } = await account();
        const machineId = randomUUID();
        const method = `${machineId}:spawn-happy-session`;
        await serveSocketIo(await socketIo(nodes().cliUrl, { clientType: 'machine-scoped', machineId }), method);
        const app = await native(nodes().appUrl);
        expect(await app.emitWithAck('rpc-call', { method, params: 'p1' })).toEqual({ ok: true, result: 'sio:p1' });
    });

    it('lets a Socket.IO app and a native app call a native daemon', async () => {
        const { native, socketIo } = await account();
        const machineId = randomUUID();
        const method = `${machineId}:bash`;
        const daemon = await native(nodes().cliUrl, { clientType: 'machine-scoped', machineId });
        await serveNative(daemon, method);
        const sioApp = await socketIo(nodes().appUrl);
        expect(await sioApp.emitWithAck('rpc-call', { method, params: 'p2' })).toEqual({ ok: true, result: 'native:p2' });
        const nativeApp = await native(nodes().appUrl);
        // `rpc-request` is the catalogue's other name for a client's call.
        expect(await nativeApp.emitWithAck('rpc-request', { method, params: 'p3' })).toEqual({ ok: true, result: 'native:p3' });
        expect(daemon.all('rpc-request')).toEqual([
            { method, params: 'p2' },
            { method, params: 'p3' },
        ]);
    });

    it('fails a call with the Node error when the native daemon drops before answering', async () => {
        const { native, socketIo } = await account();
        const machineId = randomUUID();
        const method = `${machineId}:slow`;
        const daemon = await native(nodes().cliUrl, { clientType: 'machine-scoped', machineId });
        daemon.emit('rpc-register', { method });
        await daemon.next('rpc-registered');
        const app = await socketIo(nodes().appUrl);
        const reply = app.emitWithAck('rpc-call', { method, params: 'p' }, 15_000);
        await daemon.next('rpc-request');
        daemon.close();
        expect(await reply).toEqual({ ok: false, error: 'RPC target disconnected' });
    });

    it('relays messages and session updates between the generations in both directions', async () => {
        const { token, native, socketIo } = await account();
        const sessionId = (await createSession(nodes().appUrl, token)).id;
        const nativeApp = await native(nodes().appUrl);
        const sioApp = await socketIo(nodes().appUrl, { clientType: 'user-scoped' });
        const sioCli = await socketIo(nodes().cliUrl, { clientType: 'session-scoped', sessionId });
        const nativeCli = await native(nodes().cliUrl, { clientType: 'session-scoped', sessionId });

        sioCli.socket.emit('message', { sid: sessionId, message: ciphertext(), localId: 'from-sio' });
        nativeCli.emit('message', { sid: sessionId, message: ciphertext(), localId: 'from-native' });
        for (const localId of ['from-sio', 'from-native']) {
            const isIt = (u: any) => u.body.t === 'new-message' && u.body.message.localId === localId;
            await nativeApp.next('update', isIt);
            await sioApp.next('update', isIt);
        }
        await sioCli.next('update', (u) => u.body.message?.localId === 'from-native');
        await nativeCli.next('update', (u) => u.body.message?.localId === 'from-sio');

        const metadata = ciphertext();
        expect(await nativeCli.emitWithAck('update-metadata', { sid: sessionId, metadata, expectedVersion: 0 })).toMatchObject({ result: 'success' });
        // Socket.IO clients keep the Node body exactly; only native sockets get `sid` as well.
        expect((await sioApp.next('update', (u) => u.body.t === 'update-session')).body).toEqual({
            t: 'update-session',
            id: sessionId,
            metadata: { value: metadata, version: 1 },
        });
        expect((await nativeApp.next('update', (u) => u.body.t === 'update-session')).body.sid).toBe(sessionId);
    });

    it('delivers updates committed through REST on the other node to both generations', async () => {
        const { token, native, socketIo } = await account();
        const nativeApp = await native(nodes().appUrl);
        const sioApp = await socketIo(nodes().appUrl);
        const created = await createSession(nodes().cliUrl, token);
        const isIt = (u: any) => u.body.t === 'new-session' && u.body.id === created.id;
        expect((await nativeApp.next('update', isIt)).body.sid).toBe(created.id);
        expect((await sioApp.next('update', isIt)).body.sid).toBeUndefined();
    });

    it('reports the account sockets of every node and broadcasts to native ones only', async () => {
        const { token, native, socketIo } = await account();
        const machineId = randomUUID();
        const app = await native(nodes().appUrl);
        const daemon = await native(nodes().cliUrl, { clientType: 'machine-scoped', machineId });
        const sioApp = await socketIo(nodes().cliUrl);

        const stats = await request(nodes().appUrl, 'GET', '/v1/websocket/stats', { token });
        expect(stats.body).toEqual({
            totalConnections: 3,
            byType: { 'user-scoped': 2, 'session-scoped': 0, 'machine-scoped': 1 },
            activeSessions: 0,
            activeMachines: 1,
            oldestConnection: expect.any(Number),
        });

        const broadcast = (body: unknown) => request(nodes().appUrl, 'POST', '/v1/websocket/broadcast', { token, body });
        const toDaemon = await broadcast({ message: { type: 'hello', payload: { n: 1 }, timestamp: Date.now() }, filter: { type: 'machine', machineId } });
        expect(toDaemon.body).toEqual({ success: true, delivered: 1 });
        expect(await daemon.next('hello')).toEqual({ n: 1 });
        const connectionId = (await app.next('connected')).connectionId;
        expect((await broadcast({ message: { type: 'hi', timestamp: 1 }, filter: { type: 'exclude', connectionId } })).body).toEqual({
            success: true,
            delivered: 1,
        });
        await daemon.next('hi');
        expect((await broadcast({ message: { type: 'disconnect' } })).status).toBe(400);
        await roundTrip(sioApp);
        expect(app.all('hi')).toEqual([]);
    });
}

describe('Socket.IO and native clients on one node', () => {
    const server = useTestServer();
    mixedClients(() => ({ appUrl: server.url, cliUrl: server.url }));
});

describe.skipIf(skipClusterTests)('Socket.IO and native clients on two nodes', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
        cluster = await startTestCluster(2);
    });
    afterAll(async () => {
        await cluster?.dispose();
    });
    mixedClients(() => ({ appUrl: cluster.nodes[0]!.url, cliUrl: cluster.nodes[1]!.url }));
});
