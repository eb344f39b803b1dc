import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { callRpc, serveRpc } from '../harness/rpcClient.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { connectSocket, type ClientAuth, type TestSocket } from '../harness/socketClient.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcpProxy.ts';
import { skipClusterTests, startTestCluster, testRedisUrl, type TestCluster } from '../harness/testCluster.ts';
import type { TestServer } from '../harness/testServer.ts';
import { waitFor } from '../harness/waitFor.ts';

const isMessage = (localId: string) => (u: any) => u.body.t === 'new-message' && u.body.message.localId === localId;

/**
 * Node A reaches Redis through a proxy the test cuts and restores (the shared Redis server, used
 * by other test files, is left alone); node B keeps its own connection.
 */
describe.skipIf(skipClusterTests)('a node that loses Redis', () => {
    let cluster: TestCluster;
    let redisLine: TcpProxy;
    let a: TestServer;
    let b: TestServer;
    let token: string;
    const open: TestSocket[] = [];

    beforeAll(async () => {
        redisLine = await startTcpProxy(Number(new URL(testRedisUrl!).port || 6379));
        cluster = await startTestCluster(1);
        b = cluster.nodes[0]!;
        a = await cluster.addNode({ redisUrl: redisLine.url('redis') });
        await cluster.formed();
        ({ token } = await login(a.url));
    });
    afterAll(async () => {
        for (const client of open) client.close();
        await cluster?.dispose();
        await redisLine?.close();
    });

    async function connect(node: TestServer, auth: ClientAuth = {}) {
        const client = await connectSocket(node.url, token, auth);
        open.push(client);
        return client;
    }

    const ready = async (node: TestServer) => request(node.url, 'GET', '/ready');
    const localIds = async (node: TestServer, sessionId: string) => {
        const listed = await request(node.url, 'GET', `/v3/sessions/${sessionId}/messages?limit=100`, { token });
        return listed.body.messages.map((m: { localId: string }) => m.localId).sort();
    };

    it('keeps serving REST and its own sockets, reports the outage, and rejoins by itself', { timeout: 60_000 }, async () => {
        const sessionId = (await createSession(a.url, token)).id;
        const archivedId = (await createSession(a.url, token)).id;
        const appA = await connect(a, { clientType: 'user-scoped' });
        const cliA = await connect(a, { clientType: 'session-scoped', sessionId });
        const appB = await connect(b, { clientType: 'user-scoped' });
        await serveRpc(cliA, `${sessionId}:bash`, () => 'ran');
        await postMessages(a.url, token, sessionId, [{ localId: 'before', content: ciphertext() }]);
        await appB.next('update', isMessage('before'));

        await redisLine.cut();
        expect(await waitFor('A to report Redis down', async () => {
            const response = await ready(a);
            return response.status === 503 && response.body;
        })).toMatchObject({ status: 'degraded', database: 'up', redis: 'down', down: ['redis'] });
        expect((await ready(b)).body).toMatchObject({ status: 'ready', database: 'up', redis: 'up' });

        // Node A alone: REST, its own sockets, RPC between them, stops (from its own memory).
        expect((await postMessages(a.url, token, sessionId, [{ localId: 'during-a', content: ciphertext() }])).status).toBe(200);
        await Promise.all([appA.next('update', isMessage('during-a')), cliA.next('update', isMessage('during-a'))]);
        const metadata = await cliA.emitWithAck('update-metadata', { sid: sessionId, metadata: ciphertext(), expectedVersion: 0 });
        expect(metadata).toMatchObject({ result: 'success', version: 1 });
        await appA.next('update', (u) => u.body.t === 'update-session' && u.body.id === sessionId);
        expect(await callRpc(appA, `${sessionId}:bash`, 'ls')).toEqual({ ok: true, result: 'ran' });
        expect((await request(a.url, 'POST', `/v1/sessions/${archivedId}/archive`, { token })).status).toBe(200);
        const userId = (await a.deps.tokens.verify(token))!.userId;
        const heartbeatAccepted = () => a.deps.presence.sessionHeartbeat(userId, archivedId, Date.now());
        expect(await heartbeatAccepted()).toBe(false);
        // Node B meanwhile.
        expect((await postMessages(b.url, token, sessionId, [{ localId: 'during-b', content: ciphertext() }])).status).toBe(200);
        await appB.next('update', isMessage('during-b'));

        await redisLine.restore();
        await waitFor('A to report Redis up', async () => (await ready(a)).status === 200);
        await cluster.formed();
        // The stop it could not share still counts on A once Redis is back.
        expect(await heartbeatAccepted()).toBe(false);
        // A's stream reader resumes where it stopped: what B published meanwhile reaches A's sockets.
        await appA.next('update', isMessage('during-b'));
        await postMessages(a.url, token, sessionId, [{ localId: 'after', content: ciphertext() }]);
        await appB.next('update', isMessage('after'));
        expect(await callRpc(appB, `${sessionId}:bash`, 'ls')).toEqual({ ok: true, result: 'ran' });

        expect(await localIds(b, sessionId)).toEqual(['after', 'before', 'during-a', 'during-b']);
    });
});
