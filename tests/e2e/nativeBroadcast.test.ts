import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../harness/keyClient.ts';
import { useMixedAccounts, type Nodes } from '../harness/mixedClients.ts';
import { connectNative, type NativeClient } from '../harness/nativeClient.ts';
import { roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';
import { useTestServer } from '../harness/useTestServer.ts';

/** Everything a native client sent before a ping has been through the server once its ack is back. */
const settle = (client: NativeClient) => client.emitWithAck('ping');

/**
 * The Workers-only relays (spec workers.md §1.3, §1.11): `broadcast`, the forwarding of events no
 * handler takes, and the `machine-status` ephemeral, with both client generations on one account.
 * "Nothing arrived" is checked against a later event from the same sender, which would have
 * come after it.
 */
function relays(nodes: Nodes) {
    const account = useMixedAccounts(nodes);

    /** The names of every event a Socket.IO client receives from now on. */
    function eventsOf(client: TestSocket): string[] {
        const names: string[] = [];
        client.socket.onAny((event: string) => names.push(event));
        return names;
    }

    describe('broadcast', () => {
        it('reaches every other socket of the account, both protocols, and never the sender', async () => {
            const { native, socketIo } = await account();
            const sessionId = randomUUID();
            const app = await native(nodes().appUrl);
            const cli = await native(nodes().cliUrl, { clientType: 'session-scoped', sessionId });
            const sioApp = await socketIo(nodes().cliUrl);
            const sioCli = await socketIo(nodes().appUrl, { clientType: 'session-scoped', sessionId });
            const stranger = await (await account()).native(nodes().cliUrl);

            const data = { kind: 'hello', nested: { n: [1, 2, 3] } };
            // An ackId makes no difference: broadcast is never acked.
            app.send({ event: 'broadcast', data, ackId: 'b-1' });
            expect(await cli.frame((frame) => frame.event === 'broadcast')).toEqual({ event: 'broadcast', data });
            expect(await sioApp.next('broadcast')).toEqual(data);
            expect(await sioCli.next('broadcast')).toEqual(data);
            await settle(app);
            expect(app.frames.filter((frame) => frame.event === 'broadcast' || frame.ackId === 'b-1')).toEqual([]);

            // From a Socket.IO client to the native ones, any payload (a string here).
            sioCli.socket.emit('broadcast', 'from socket.io');
            expect(await app.next('broadcast', (d) => d === 'from socket.io')).toBe('from socket.io');
            expect(await cli.next('broadcast', (d) => d === 'from socket.io')).toBe('from socket.io');
            await roundTrip(sioCli);
            expect(await sioApp.next('broadcast', (d) => d === 'from socket.io')).toBe('from socket.io');

            // Another account's socket, on the node that delivered to `cli`, heard nothing.
            await settle(stranger);
            expect(stranger.all('broadcast')).toEqual([]);
        });

        it('drops a payload over 1 MiB and carries on', async () => {
            const { native } = await account();
            const app = await native(nodes().appUrl);
            const cli = await native(nodes().cliUrl, { clientType: 'machine-scoped', machineId: randomUUID() });
            app.emit('broadcast', { big: 'x'.repeat(1024 * 1024 + 1) });
            app.emit('broadcast', { small: true });
            expect(await cli.next('broadcast')).toEqual({ small: true });
            await settle(app);
            expect(cli.all('broadcast')).toEqual([{ small: true }]);
            expect(app.ws.readyState).toBe(app.ws.OPEN);
        });
    });

    describe('forwarding of events no handler takes (native only)', () => {
        it('relays a CLI event to the native user-scoped sockets as {event, data, ackId}', async () => {
            const { native, socketIo } = await account();
            const sessionId = randomUUID();
            const app = await native(nodes().appUrl);
            const sioApp = await socketIo(nodes().appUrl);
            const sioAppEvents = eventsOf(sioApp);
            const otherCli = await native(nodes().appUrl, { clientType: 'session-scoped', sessionId });
            const cli = await native(nodes().cliUrl, { clientType: 'session-scoped', sessionId });

            cli.send({ event: 'permission-prompt', data: { sessionId, tool: 'bash' }, ackId: 'f-1' });
            expect(await app.frame((frame) => frame.event === 'permission-prompt')).toEqual({
                event: 'permission-prompt',
                data: { sessionId, tool: 'bash' },
                ackId: 'f-1',
            });
            // Numeric ack ids keep their type; no data, no `data` key.
            cli.send({ event: 'bare', ackId: 42 });
            expect(await app.frame((frame) => frame.event === 'bare')).toEqual({ event: 'bare', ackId: 42 });

            // Socket.IO sockets and the other CLI are no recipients: a later broadcast reaches them first.
            cli.emit('broadcast', 'marker');
            await sioApp.next('broadcast', (d) => d === 'marker');
            await otherCli.next('broadcast', (d) => d === 'marker');
            expect(sioAppEvents).toEqual(['broadcast']);
            expect(otherCli.all('permission-prompt')).toEqual([]);
            await settle(cli);
            // Nothing comes back to the sender: no ack from the server, no echo.
            expect(cli.frames.filter((frame) => frame.ackId === 'f-1' || frame.event === 'permission-prompt')).toEqual([]);
        });

        it('relays an app event to the session named in data.sessionId, else the machine of data.machineId, else nowhere', async () => {
            const { native, socketIo } = await account();
            const sessionId = randomUUID();
            const machineId = randomUUID();
            const app = await native(nodes().appUrl);
            const cli = await native(nodes().cliUrl, { clientType: 'session-scoped', sessionId });
            const daemon = await native(nodes().cliUrl, { clientType: 'machine-scoped', machineId });
            const sioCli = await socketIo(nodes().cliUrl, { clientType: 'session-scoped', sessionId });
            const sioCliEvents = eventsOf(sioCli);
            const otherApp = await native(nodes().cliUrl);

            app.send({ event: 'nowhere', data: { text: 'dropped' }, ackId: 'a-0' });
            app.send({ event: 'to-session', data: { sessionId, machineId, text: 'both ids: the session wins' }, ackId: 'a-1' });
            app.send({ event: 'to-machine', data: { machineId, text: 'machine' }, ackId: 'a-2' });
            app.send({ event: 'to-session', data: { sessionId: randomUUID(), text: 'no such session' } });

            expect(await cli.frame((frame) => frame.event === 'to-session')).toEqual({
                event: 'to-session',
                data: { sessionId, machineId, text: 'both ids: the session wins' },
                ackId: 'a-1',
            });
            expect(await daemon.frame((frame) => frame.event === 'to-machine')).toEqual({
                event: 'to-machine',
                data: { machineId, text: 'machine' },
                ackId: 'a-2',
            });
            // A later broadcast from the app shows what else each of them got: nothing.
            app.emit('broadcast', 'marker');
            for (const client of [cli, daemon, otherApp]) await client.next('broadcast', (d) => d === 'marker');
            await sioCli.next('broadcast', (d) => d === 'marker');
            expect(cli.frames.map((frame) => frame.event).filter((event) => event !== 'connected' && event !== 'broadcast')).toEqual(['to-session']);
            expect(daemon.frames.map((frame) => frame.event).filter((event) => event !== 'connected' && event !== 'broadcast')).toEqual(['to-machine']);
            expect(otherApp.frames.map((frame) => frame.event).filter((event) => event !== 'connected' && event !== 'broadcast')).toEqual([]);
            expect(sioCliEvents).toEqual(['broadcast']);
        });

        it('leaves handled events, auth, ping, acks and Socket.IO clients\' unknown events alone', async () => {
            const { native, socketIo } = await account();
            const sessionId = randomUUID();
            const app = await native(nodes().appUrl);
            const cli = await native(nodes().cliUrl, { clientType: 'session-scoped', sessionId });
            const sioCli = await socketIo(nodes().cliUrl, { clientType: 'session-scoped', sessionId });

            // Handled events get their handler's answer and are not relayed.
            expect(await app.emitWithAck('access-key-get', { sessionId, machineId: 'm' })).toHaveProperty('ok');
            expect(await app.emitWithAck('ping', { sessionId })).toEqual({});
            app.send({ event: 'auth', data: { token: 'x', sessionId } });
            app.send({ event: 'ack', data: { sessionId } });
            app.send({ event: 'rpc-response', data: { sessionId } });
            app.send({ event: 'native:forward', data: { event: 'smuggled', data: { sessionId } } });
            // A Socket.IO client's unknown event is ignored, as upstream does.
            sioCli.socket.emit('custom-event', { sessionId });
            await roundTrip(sioCli);

            app.emit('broadcast', 'marker');
            await cli.next('broadcast', (d) => d === 'marker');
            expect(cli.frames.map((frame) => frame.event)).toEqual(['connected', 'broadcast']);
            expect(app.all('custom-event')).toEqual([]);
        });

        it('refuses a frame over 1 MiB with an error instead of fanning it out', async () => {
            const { native } = await account();
            const app = await native(nodes().appUrl);
            const cli = await native(nodes().cliUrl, { clientType: 'machine-scoped', machineId: randomUUID() });
            cli.emit('huge', { blob: 'x'.repeat(1024 * 1024) });
            expect(await cli.next('error')).toEqual({ code: 1009, message: 'Message too big to forward', timestamp: expect.any(Number) });
            cli.emit('small', { n: 1 });
            expect(await app.next('small')).toEqual({ n: 1 });
            expect(app.all('huge')).toEqual([]);
            expect(cli.ws.readyState).toBe(cli.ws.OPEN);
        });
    });

    describe('machine-status', () => {
        it('tells native apps when a daemon of either protocol connects and disconnects; Socket.IO apps get only machine-activity', async () => {
            const { native, socketIo } = await account();
            const app = await native(nodes().appUrl);
            const sioApp = await socketIo(nodes().appUrl);
            const cli = await native(nodes().appUrl, { clientType: 'session-scoped', sessionId: randomUUID() });

            const machineId = randomUUID();
            const daemon = await native(nodes().cliUrl, { clientType: 'machine-scoped', machineId });
            const status = (online: boolean) => (e: any) => e.type === 'machine-status' && e.machineId === machineId && e.online === online;
            const activity = (active: boolean) => (e: any) => e.type === 'machine-activity' && e.id === machineId && e.active === active;
            expect(await app.next('ephemeral', status(true))).toEqual({ type: 'machine-status', machineId, online: true, timestamp: expect.any(Number) });
            await app.next('ephemeral', activity(true));
            // The Workers order: machine-status first, then machine-activity.
            const ephemerals = app.all('ephemeral').filter((e) => e.machineId === machineId).map((e) => e.type);
            expect(ephemerals).toEqual(['machine-status', 'machine-activity']);
            await sioApp.next('ephemeral', activity(true));

            daemon.close();
            expect(await app.next('ephemeral', status(false))).toEqual({ type: 'machine-status', machineId, online: false, timestamp: expect.any(Number) });
            await sioApp.next('ephemeral', activity(false));
            // machine-status went out before machine-activity each time: the Socket.IO app had none.
            expect(sioApp.ephemerals.filter((e) => e.type === 'machine-status')).toEqual([]);
            await settle(cli);
            expect(cli.all('ephemeral').filter((e) => e.type === 'machine-status')).toEqual([]);

            const sioMachineId = randomUUID();
            const sioDaemon = await socketIo(nodes().cliUrl, { clientType: 'machine-scoped', machineId: sioMachineId });
            const sioStatus = (online: boolean) => (e: any) => e.type === 'machine-status' && e.machineId === sioMachineId && e.online === online;
            expect(await app.next('ephemeral', sioStatus(true))).toMatchObject({ online: true });
            sioDaemon.close();
            expect(await app.next('ephemeral', sioStatus(false))).toMatchObject({ online: false });
            await sioApp.next('ephemeral', (e) => e.type === 'machine-activity' && e.id === sioMachineId && !e.active);
            expect(sioApp.ephemerals.filter((e) => e.type === 'machine-status')).toEqual([]);
        });
    });
}

describe('Workers relays on one node', () => {
    const server = useTestServer();
    relays(() => ({ appUrl: server.url, cliUrl: server.url }));
});

describe.skipIf(skipClusterTests)('Workers relays on two nodes', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
        cluster = await startTestCluster(2);
    });
    afterAll(async () => {
        await cluster?.dispose();
    });
    relays(() => ({ appUrl: cluster.nodes[0]!.url, cliUrl: cluster.nodes[1]!.url }));
});

describe('forwarding goes through the per-socket rate limit', () => {
    const server = useTestServer({ env: { SOCKET_EVENT_BURST: '5', SOCKET_EVENTS_PER_SECOND: '0.001', SOCKET_FLOOD_DISCONNECT_AFTER: '0' } });

    it('relays only the events the bucket admits', async () => {
        const { token } = await login(server.url);
        const app = await connectNative(server.url, { query: { token } });
        const cli = await connectNative(server.url, { query: { token, clientType: 'session-scoped', sessionId: 'sid' } });
        try {
            for (let n = 0; n < 20; n++) cli.emit('progress', { n });
            // Refused too (with the rate-limit ack), after every earlier frame went through the limiter.
            expect(await cli.emitWithAck('ping')).toEqual({ ok: false, result: 'error', error: 'Too many requests' });
            await app.next('progress', (d) => d.n === 4);
            expect(app.all('progress')).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
        } finally {
            app.close();
            cli.close();
        }
    });
});
