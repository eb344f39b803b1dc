import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasActiveUiClient } from '../../sources/events/activeUiClient.ts';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { dropAndReconnect, portOf } from '../harness/reconnect.ts';
import { callRpc, serveRpc } from '../harness/rpcClient.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { connectSocket, roundTrip, type ClientAuth, type TestSocket } from '../harness/socketClient.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcpProxy.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';
import type { TestServer } from '../harness/testServer.ts';
import { waitFor } from '../harness/waitFor.ts';

const isMessage = (localId: string) => (u: any) => u.body.t === 'new-message' && u.body.message.localId === localId;

/**
 * Three server nodes on one Postgres and Redis, with the CLI, the daemon and the app each on a
 * different node (spec realtime.md §12). Where a test checks that a socket did NOT get
 * something, it first waits for a later "marker" event published on another node than the
 * socket's: every node reads the one Redis stream in order, so the marker comes last.
 */
describe.skipIf(skipClusterTests)('three nodes over Redis', () => {
    let cluster: TestCluster;
    let a: TestServer;
    let b: TestServer;
    let c: TestServer;
    let token: string;
    const open: TestSocket[] = [];
    const proxies: TcpProxy[] = [];

    beforeAll(async () => {
        cluster = await startTestCluster(3);
        [a, b, c] = cluster.nodes as [TestServer, TestServer, TestServer];
        ({ token } = await login(a.url));
    });
    afterAll(async () => {
        for (const client of open) client.close();
        for (const proxy of proxies) await proxy.close();
        await cluster?.dispose();
    });

    async function connect(node: TestServer | TcpProxy, auth: ClientAuth = {}) {
        const client = await connectSocket(typeof node.url === 'string' ? node.url : node.url('http'), token, auth);
        open.push(client);
        return client;
    }

    async function newMachine(node: TestServer) {
        const id = randomUUID();
        const created = await request(node.url, 'POST', '/v1/machines', { token, body: { id, metadata: ciphertext() } });
        expect(created.status).toBe(200);
        return id;
    }

    it('routes messages and session and machine updates to exactly the right sockets on every node', async () => {
        const sessionId = (await createSession(a.url, token)).id;
        const otherSessionId = (await createSession(b.url, token)).id;
        const machineId = await newMachine(c);
        const app = await connect(a, { clientType: 'user-scoped' });
        const cli = await connect(b, { clientType: 'session-scoped', sessionId });
        const agent = await connect(c, { clientType: 'session-scoped', sessionId });
        const daemon = await connect(c, { clientType: 'machine-scoped', machineId });
        const bystander = await connect(c, { clientType: 'session-scoped', sessionId: otherSessionId });

        expect((await postMessages(c.url, token, sessionId, [{ localId: 'rest-1', content: ciphertext() }])).status).toBe(200);
        for (const client of [cli, agent, app]) await client.next('update', isMessage('rest-1'));

        agent.socket.emit('message', { sid: sessionId, message: ciphertext(), localId: 'agent-1' });
        for (const client of [cli, app]) await client.next('update', isMessage('agent-1'));

        const metadata = await cli.emitWithAck('update-metadata', { sid: sessionId, metadata: ciphertext(), expectedVersion: 0 });
        expect(metadata).toMatchObject({ result: 'success', version: 1 });
        for (const client of [cli, agent, app]) {
            await client.next('update', (u) => u.body.t === 'update-session' && u.body.id === sessionId);
        }
        // A machine is created at metadata version 1.
        const machine = await app.emitWithAck('machine-update-metadata', { machineId, metadata: ciphertext(), expectedVersion: 1 });
        expect(machine).toMatchObject({ result: 'success', version: 2 });
        for (const client of [daemon, app]) {
            await client.next('update', (u) => u.body.t === 'update-machine' && u.body.machineId === machineId);
        }

        // Markers, each published on a node other than its receivers'.
        await postMessages(a.url, token, sessionId, [{ localId: 'marker-a', content: ciphertext() }]);
        await postMessages(b.url, token, sessionId, [{ localId: 'marker-b', content: ciphertext() }]);
        await app.emitWithAck('machine-update-metadata', { machineId, metadata: ciphertext(), expectedVersion: 2 });
        await cli.emitWithAck('update-metadata', { sid: otherSessionId, metadata: ciphertext(), expectedVersion: 0 });
        await Promise.all([cli.next('update', isMessage('marker-a')), agent.next('update', isMessage('marker-a'))]);
        await app.next('update', isMessage('marker-b'));
        await daemon.next('update', (u) => u.body.metadata?.version === 3);
        await bystander.next('update', (u) => u.body.t === 'update-session');

        expect(agent.updates.some(isMessage('agent-1'))).toBe(false);
        expect(cli.updates.every((u) => (u.body.sid ?? u.body.id) === sessionId)).toBe(true);
        expect(daemon.updates.every((u) => u.body.t === 'update-machine' && u.body.machineId === machineId)).toBe(true);
        expect(bystander.updates.map((u) => u.body.id)).toEqual([otherSessionId]);
    });

    it('relays RPC calls in every direction across nodes', async () => {
        const sessionId = (await createSession(a.url, token)).id;
        const machineId = await newMachine(a);
        const app = await connect(a);
        const cli = await connect(b, { clientType: 'session-scoped', sessionId });
        const daemon = await connect(c, { clientType: 'machine-scoped', machineId });
        const served = new Map<TestSocket, string>([
            [app, `app-${randomUUID()}:notify`],
            [cli, `${sessionId}:bash`],
            [daemon, `${machineId}:spawn-happy-session`],
        ]);
        for (const [client, method] of served) await serveRpc(client, method, (params) => `${method} <- ${params}`);

        for (const [caller] of served) {
            for (const [target, method] of served) {
                if (caller === target) continue;
                expect(await callRpc(caller, method, 'cGFyYW1z')).toEqual({ ok: true, result: `${method} <- cGFyYW1z` });
            }
        }
        // An ack with no value arrives without `result`, as on one node (not as null).
        await serveRpc(daemon, `${machineId}:stop-daemon`, () => undefined);
        expect(await callRpc(app, `${machineId}:stop-daemon`, 'x')).toEqual({ ok: true });
        const nulls = await serveRpc(daemon, `${machineId}:null`, () => null);
        expect(await callRpc(app, `${machineId}:null`, undefined)).toEqual({ ok: true, result: null });
        expect(nulls).toEqual([{ method: `${machineId}:null` }]);
    });

    it('fails an RPC call fast when its target disconnects or its node stops', { timeout: 60_000 }, async () => {
        const app = await connect(a);
        const leaving = await connect(c, { clientType: 'machine-scoped', machineId: randomUUID() });
        const requests = await serveRpc(leaving, 'leaving:hang', 'silent');
        // Under the 30 s call timeout: only the disconnect can answer in time.
        const call = callRpc(app, 'leaving:hang', 'x', 25_000);
        await waitFor('the request to arrive', () => requests.length === 1);
        leaving.close();
        expect(await call).toEqual({ ok: false, error: 'RPC target disconnected' });

        const d = await cluster.addNode();
        await cluster.formed();
        const doomed = await connect(d, { clientType: 'machine-scoped', machineId: randomUUID() });
        const doomedRequests = await serveRpc(doomed, 'doomed:hang', 'silent');
        const doomedCall = callRpc(app, 'doomed:hang', 'x', 25_000);
        await waitFor('the request to arrive', () => doomedRequests.length === 1);
        await cluster.stopNode(d);
        expect(await doomedCall).toEqual({ ok: false, error: 'RPC target disconnected' });
    });

    it('makes an archive on one node silence heartbeats another node receives', async () => {
        const sessionId = (await createSession(a.url, token)).id;
        const liveSessionId = (await createSession(a.url, token)).id;
        // Five minutes quiet: the next heartbeat is queued for writing on node B.
        await a.deps.db.prisma.session.update({ where: { id: sessionId }, data: { lastActiveAt: new Date(Date.now() - 5 * 60_000) } });
        const app = await connect(c);
        const cli = await connect(b, { clientType: 'session-scoped', sessionId });
        cli.socket.emit('session-alive', { sid: sessionId, time: Date.now() });
        await app.next('ephemeral', (e) => e.id === sessionId && e.active === true);

        expect((await request(a.url, 'POST', `/v1/sessions/${sessionId}/archive`, { token })).status).toBe(200);
        await app.next('ephemeral', (e) => e.id === sessionId && e.active === false);
        const seen = app.ephemerals.length;
        cli.socket.emit('session-alive', { sid: sessionId, time: Date.now() });
        cli.socket.emit('session-alive', { sid: liveSessionId, time: Date.now() });
        await app.next('ephemeral', (e) => e.id === liveSessionId);
        expect(app.ephemerals.slice(seen).filter((e) => e.id === sessionId)).toEqual([]);

        await b.deps.presence.flush();
        const row = await a.deps.db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
        expect(row.active).toBe(false);
    });

    it('runs the timeout sweep on one node for the whole cluster', async () => {
        const sessionId = (await createSession(a.url, token)).id;
        const lastActiveAt = new Date(Date.now() - 11 * 60_000);
        await a.deps.db.prisma.session.update({ where: { id: sessionId }, data: { active: true, lastActiveAt } });
        const app = await connect(b);

        const swept = await Promise.all(cluster.nodes.map((node) => node.server.presenceTimeout.tick()));
        expect(swept.filter((result) => result !== null)).toHaveLength(1);
        expect(await app.next('ephemeral', (e) => e.id === sessionId)).toEqual({
            type: 'activity', id: sessionId, active: false, activeAt: lastActiveAt.getTime(), thinking: false,
        });
        const marker = (await createSession(c.url, token)).id;
        await app.next('update', (u) => u.body.t === 'new-session' && u.body.id === marker);
        expect(app.ephemerals.filter((e) => e.id === sessionId)).toHaveLength(1);
        expect((await a.deps.db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })).active).toBe(false);
    });

    it('answers "is an app in the foreground" for the whole cluster', async () => {
        const { token: ownToken } = await login(c.url);
        const userId = (await a.deps.tokens.verify(ownToken))!.userId;
        const app = await connectSocket(b.url, ownToken, { clientType: 'user-scoped' });
        open.push(app);
        expect(await hasActiveUiClient(a.deps.io, userId)).toBe(false);
        app.socket.emit('app-state', { state: 'active' });
        await roundTrip(app);
        expect(await hasActiveUiClient(a.deps.io, userId)).toBe(true);
        expect(await hasActiveUiClient(c.deps.io, userId)).toBe(true);
        app.socket.emit('app-state', { state: 'background' });
        await roundTrip(app);
        expect(await hasActiveUiClient(a.deps.io, userId)).toBe(false);

        // No clientType at all: routed, and counted, like an app (weak spot 30).
        const agent = await connectSocket(c.url, ownToken, { appState: 'active' } as ClientAuth);
        open.push(agent);
        expect(await hasActiveUiClient(a.deps.io, userId)).toBe(true);
    });

    /** Through a TCP proxy standing in for the load balancer, which moves the client to `to`. */
    async function reconnectElsewhere(client: TestSocket, balancer: TcpProxy, from: TestServer, to: TestServer, whileAway: () => Promise<void>) {
        const id = client.socket.id!;
        balancer.retarget(portOf(to));
        await dropAndReconnect(client, balancer, from, whileAway);
        expect(client.socket.recovered).toBe(true);
        expect(client.socket.id).toBe(id);
        expect(to.deps.io.of('/').sockets.has(id)).toBe(true);
    }

    it('gives a client that reconnects to another node the updates it missed', async () => {
        const sessionId = (await createSession(a.url, token)).id;
        const balancer = await startTcpProxy(portOf(a));
        proxies.push(balancer);
        const app = await connect(balancer, { clientType: 'user-scoped' });
        await postMessages(c.url, token, sessionId, [{ localId: 'before', content: ciphertext() }]);
        await app.next('update', isMessage('before'));

        await reconnectElsewhere(app, balancer, a, b, async () => {
            await postMessages(c.url, token, sessionId, [{ localId: 'missed-1', content: ciphertext() }]);
            await postMessages(a.url, token, sessionId, [{ localId: 'missed-2', content: ciphertext() }]);
        });
        const missed = [await app.next('update', isMessage('missed-1')), await app.next('update', isMessage('missed-2'))];
        expect(missed[1].seq).toBeGreaterThan(missed[0].seq);
        await postMessages(c.url, token, sessionId, [{ localId: 'after', content: ciphertext() }]);
        await app.next('update', isMessage('after'));
        expect(app.updates.filter(isMessage('missed-1'))).toHaveLength(1);
    });

    it('recovers a daemon on another node with its RPC methods and its missed machine updates', async () => {
        const machineId = await newMachine(a);
        const balancer = await startTcpProxy(portOf(c));
        proxies.push(balancer);
        const app = await connect(b);
        // Its `rpc-registered` carries the stream offset the daemon resumes from.
        const daemon = await connect(balancer, { clientType: 'machine-scoped', machineId });
        await serveRpc(daemon, `${machineId}:spawn-happy-session`, () => 'spawned');

        await reconnectElsewhere(daemon, balancer, c, a, async () => {
            await app.next('ephemeral', (e) => e.id === machineId && e.active === false);
            const update = await app.emitWithAck('machine-update-metadata', { machineId, metadata: ciphertext(), expectedVersion: 1 });
            expect(update).toMatchObject({ result: 'success', version: 2 });
        });
        await daemon.next('update', (u) => u.body.t === 'update-machine' && u.body.metadata?.version === 2);
        const announced = () => app.ephemerals.filter((e) => e.type === 'machine-activity' && e.id === machineId).map((e) => e.active);
        await waitFor('the daemon to be announced online again', () => announced().join() === 'true,false,true');
        expect(await callRpc(app, `${machineId}:spawn-happy-session`, 'x')).toEqual({ ok: true, result: 'spawned' });
    });
});
