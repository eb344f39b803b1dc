import { beforeAll, describe, expect, it } from 'vitest';
import { sweepInactive } from '../../sources/presence/presenceTimeout.ts';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { connectSocket, roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

/**
 * Each socket sees update seqs in increasing order, and together the sockets that saw every
 * update (a socket never gets its own `message` echo) cover an unbroken range: no gaps.
 */
function expectGaplessSeqs(...clients: TestSocket[]) {
    for (const client of clients) {
        const seqs = client.updates.map((u) => u.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const all = [...new Set(clients.flatMap((c) => c.updates.map((u) => u.seq)))].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => all[0] + i));
}

describe('a CLI session, an agent and the app on one account (spec realtime.md §3, §7)', () => {
    const server = useTestServer();
    let token: string;
    let sessionId: string;
    let otherSessionId: string;
    let app: TestSocket;
    let cli: TestSocket;
    let agent: TestSocket;
    let bystander: TestSocket;
    beforeAll(async () => {
        let connect: TestAccount['connect'];
        ({ token, connect } = await server.account());
        sessionId = (await createSession(server.url, token)).id;
        otherSessionId = (await createSession(server.url, token)).id;
        app = await connect({ clientType: 'user-scoped' });
        cli = await connect({ clientType: 'session-scoped', sessionId });
        agent = await connect({ clientType: 'session-scoped', sessionId });
        bystander = await connect({ clientType: 'session-scoped', sessionId: otherSessionId });
    });

    it('delivers REST-posted messages to the session sockets and the app, sender included', async () => {
        const content = ciphertext();
        const posted = await postMessages(server.url, token, sessionId, [{ localId: 'cli-1', content }]);
        const [message] = posted.body.messages;
        for (const client of [cli, agent, app]) {
            const update = await client.next('update', (u) => u.body.t === 'new-message' && u.body.message.localId === 'cli-1');
            expect(Object.keys(update.body)).toEqual(['t', 'sid', 'message']);
            expect(Object.keys(update.body.message)).toEqual(['id', 'seq', 'content', 'localId', 'createdAt', 'updatedAt']);
            expect(update.body).toEqual({
                t: 'new-message',
                sid: sessionId,
                message: { ...message, content: { t: 'encrypted', c: content } },
            });
        }
        await roundTrip(bystander);
        expect(bystander.updates).toEqual([]);
    });

    it('relays socket messages to everyone interested except the sender', async () => {
        const content = ciphertext();
        app.socket.emit('message', { sid: sessionId, message: content, localId: 'app-1', sentFrom: 'app', permissionMode: 'default' });
        const atCli = await cli.next('update', (u) => u.body.message?.localId === 'app-1');
        await agent.next('update', (u) => u.body.message?.localId === 'app-1');
        expect(atCli.body.message).toMatchObject({ seq: 2, content: { t: 'encrypted', c: content } });
        await roundTrip(app);
        expect(app.updates.some((u) => u.body.message?.localId === 'app-1')).toBe(false);

        // Without a localId, as happy-agent sends it; a repeated localId is stored once.
        agent.socket.emit('message', { sid: sessionId, message: ciphertext() });
        agent.socket.emit('message', { sid: sessionId, message: ciphertext(), localId: 'app-1' });
        const fromAgent = await cli.next('update', (u) => u.body.message?.seq === 3);
        expect(fromAgent.body.message.localId).toBeNull();
        await roundTrip(agent);
        await roundTrip(cli);
        expect(cli.updates.filter((u) => u.body.message?.localId === 'app-1')).toHaveLength(1);
        expect(await server.deps.db.prisma.sessionMessage.count({ where: { sessionId } })).toBe(3);
    });

    it('updates metadata with version checks and tells the session and the app', async () => {
        const metadata = ciphertext();
        const ack = await cli.emitWithAck('update-metadata', { sid: sessionId, metadata, expectedVersion: 0 });
        expect(ack).toEqual({ result: 'success', version: 1, metadata });
        for (const client of [cli, app]) {
            const update = await client.next('update', (u) => u.body.t === 'update-session' && u.body.metadata?.version === 1);
            expect(update.body).toEqual({ t: 'update-session', id: sessionId, metadata: { value: metadata, version: 1 } });
        }
        const stale = await cli.emitWithAck('update-metadata', { sid: sessionId, metadata: 'late', expectedVersion: 0 });
        expect(stale).toEqual({ result: 'version-mismatch', version: 1, metadata });
        await roundTrip(bystander);
        expect(bystander.updates).toEqual([]);
    });

    it('updates agent state, including back to null', async () => {
        const state = ciphertext();
        expect(await cli.emitWithAck('update-state', { sid: sessionId, agentState: state, expectedVersion: 0 })).toEqual({
            result: 'success', version: 1, agentState: state,
        });
        expect(await cli.emitWithAck('update-state', { sid: sessionId, agentState: null, expectedVersion: 1 })).toEqual({
            result: 'success', version: 2, agentState: null,
        });
        const update = await app.next('update', (u) => u.body.agentState?.version === 2);
        expect(update.body).toEqual({ t: 'update-session', id: sessionId, agentState: { value: null, version: 2 } });
        expect(await cli.emitWithAck('update-state', { sid: sessionId, agentState: 'x', expectedVersion: 7 })).toEqual({
            result: 'version-mismatch', version: 2, agentState: null,
        });
    });

    it('acks every awaited event, also for unknown sessions and bad payloads', async () => {
        expect(await cli.emitWithAck('update-metadata', { sid: 'missing', metadata: 'm', expectedVersion: 0 })).toEqual({ result: 'error' });
        expect(await cli.emitWithAck('update-state', { sid: 'missing', agentState: null, expectedVersion: 0 })).toEqual({ result: 'error' });
        expect(await cli.emitWithAck('update-metadata', { sid: sessionId, metadata: 'nul\u0000', expectedVersion: 1 })).toEqual({ result: 'error' });
        for (const payload of [null, 'text', { sid: sessionId }, { sid: sessionId, metadata: 5, expectedVersion: 0 }, { sid: sessionId, metadata: 'm', expectedVersion: '0' }]) {
            expect(await cli.emitWithAck('update-metadata', payload)).toEqual({ result: 'error' });
        }
        // Fire-and-forget garbage is dropped and the socket keeps working.
        cli.socket.emit('message', { sid: sessionId, message: { not: 'a string' } });
        cli.socket.emit('message', null);
        cli.socket.emit('message', { sid: sessionId, message: 'nul\u0000', localId: 'nul' });
        cli.socket.emit('session-alive', { sid: 42 });
        cli.socket.emit('update-metadata', { sid: sessionId, metadata: 'no ack', expectedVersion: 99 });
        expect(await cli.emitWithAck('ping')).toEqual({});
    });

    it('emits update seqs in order and without gaps', () => {
        expectGaplessSeqs(app, cli);
    });
});

describe('presence (spec realtime.md §9)', () => {
    const server = useTestServer();
    let token: string;
    beforeAll(async () => {
        ({ token } = await server.account());
    });
    const row = (id: string) => server.deps.db.prisma.session.findUniqueOrThrow({ where: { id } });

    it('turns heartbeats into activity for the apps and debounced writes', async () => {
        const { id } = await createSession(server.url, token);
        const app = await connectSocket(server.url, token);
        const cli = await connectSocket(server.url, token, { clientType: 'session-scoped', sessionId: id });
        await server.deps.db.prisma.session.update({ where: { id }, data: { active: false, lastActiveAt: new Date(Date.now() - 5 * 60_000) } });
        const time = Date.now();
        cli.socket.emit('session-alive', { sid: id, time, thinking: true, mode: 'remote' });
        const activity = await app.next('ephemeral', (e) => e.type === 'activity' && e.id === id);
        expect(activity).toEqual({ type: 'activity', id, active: true, activeAt: time, thinking: true });
        await server.deps.presence.flush();
        expect(await row(id)).toMatchObject({ active: true, lastActiveAt: new Date(time) });

        // Heartbeats from the future are clamped; ones older than 10 minutes are dropped.
        cli.socket.emit('session-alive', { sid: id, time: Date.now() + 3_600_000 });
        const clamped = await app.next('ephemeral', (e) => e.type === 'activity' && e.activeAt > time);
        expect(clamped.activeAt).toBeLessThanOrEqual(Date.now());
        const before = app.ephemerals.length;
        cli.socket.emit('session-alive', { sid: id, time: Date.now() - 11 * 60_000 });
        await roundTrip(cli);
        expect(app.ephemerals).toHaveLength(before);
        app.close();
        cli.close();
    });

    it('ends a session and ignores its heartbeats afterwards', async () => {
        const { id } = await createSession(server.url, token);
        const app = await connectSocket(server.url, token);
        const cli = await connectSocket(server.url, token, { clientType: 'session-scoped', sessionId: id });
        const end = Date.now();
        cli.socket.emit('session-end', { sid: id, time: end });
        expect(await app.next('ephemeral', (e) => e.id === id && e.active === false)).toEqual({
            type: 'activity', id, active: false, activeAt: end, thinking: false,
        });
        expect(await row(id)).toMatchObject({ active: false });
        cli.socket.emit('session-alive', { sid: id, time: Date.now() });
        await roundTrip(cli);
        await server.deps.presence.flush();
        expect(app.ephemerals.filter((e) => e.id === id && e.active)).toEqual([]);
        expect(await row(id)).toMatchObject({ active: false });

        // Re-creating the session by tag (a CLI restart) lets heartbeats count again.
        const tag = (await server.deps.db.prisma.session.findUniqueOrThrow({ where: { id } })).tag;
        await request(server.url, 'POST', '/v1/sessions', { token, body: { tag, metadata: 'm' } });
        cli.socket.emit('session-alive', { sid: id, time: Date.now() });
        await app.next('ephemeral', (e) => e.id === id && e.active === true);
        app.close();
        cli.close();
    });

    it('marks silent sessions inactive exactly once', async () => {
        const { id } = await createSession(server.url, token);
        const app = await connectSocket(server.url, token);
        const lastActiveAt = new Date(Date.now() - 11 * 60_000);
        await server.deps.db.prisma.session.update({ where: { id }, data: { active: true, lastActiveAt } });
        const swept = await Promise.all([sweepInactive(server.deps.db.prisma, server.deps.events), sweepInactive(server.deps.db.prisma, server.deps.events)]);
        expect(swept[0] + swept[1]).toBeGreaterThanOrEqual(1);
        expect(await app.next('ephemeral', (e) => e.id === id)).toEqual({
            type: 'activity', id, active: false, activeAt: lastActiveAt.getTime(), thinking: false,
        });
        await roundTrip(app);
        expect(app.ephemerals.filter((e) => e.id === id)).toHaveLength(1);
        expect(await row(id)).toMatchObject({ active: false });
        app.close();
    });

    it('ignores heartbeats and events for another account\'s session', async () => {
        const { id } = await createSession(server.url, token);
        const { token: intruder } = await login(server.url);
        const app = await connectSocket(server.url, token);
        const evil = await connectSocket(server.url, intruder, { clientType: 'session-scoped', sessionId: id });
        evil.socket.emit('session-alive', { sid: id, time: Date.now() });
        evil.socket.emit('session-end', { sid: id, time: Date.now() });
        evil.socket.emit('message', { sid: id, message: 'x', localId: 'evil' });
        expect(await evil.emitWithAck('update-metadata', { sid: id, metadata: 'x', expectedVersion: 0 })).toEqual({ result: 'error' });
        await roundTrip(evil);
        await roundTrip(app);
        expect(app.ephemerals.filter((e) => e.id === id)).toEqual([]);
        expect(app.updates).toEqual([]);
        expect(await row(id)).toMatchObject({ active: true, metadataVersion: 0 });
        expect(await server.deps.db.prisma.sessionMessage.count({ where: { sessionId: id } })).toBe(0);
        app.close();
        evil.close();
    });
});

describe('daemon presence (spec realtime.md §7.8, §9)', () => {
    const server = useTestServer();
    let token: string;
    beforeAll(async () => {
        ({ token } = await server.account());
    });

    it('persists machine-alive, announces it, times out once, and forgets deleted machines', async () => {
        const machineId = 'daemon-presence-1';
        await request(server.url, 'POST', '/v1/machines', { token, body: { id: machineId, metadata: ciphertext() } });
        const app = await connectSocket(server.url, token);
        const daemon = await connectSocket(server.url, token, { clientType: 'machine-scoped', machineId });
        // A second in the past: distinct from the connect announcement's activeAt (now).
        const time = Date.now() - 1000;
        daemon.socket.emit('machine-alive', { machineId, time });
        expect(await app.next('ephemeral', (e) => e.type === 'machine-activity' && e.activeAt === time)).toEqual({
            type: 'machine-activity', id: machineId, active: true, activeAt: time,
        });
        await server.deps.presence.flush();
        const machine = () => server.deps.db.prisma.machine.findUniqueOrThrow({ where: { id: machineId } });
        // Created offline; the first heartbeat is written at once, whatever the debounce (and
        // never moves lastActiveAt backwards).
        expect((await machine()).active).toBe(true);
        expect((await machine()).lastActiveAt.getTime()).toBeGreaterThanOrEqual(time);

        const stale = new Date(Date.now() - 11 * 60_000);
        await server.deps.db.prisma.machine.update({ where: { id: machineId }, data: { lastActiveAt: stale } });
        await sweepInactive(server.deps.db.prisma, server.deps.events);
        await sweepInactive(server.deps.db.prisma, server.deps.events);
        await app.next('ephemeral', (e) => e.type === 'machine-activity' && e.active === false && e.activeAt === stale.getTime());
        await roundTrip(app);
        expect(app.ephemerals.filter((e) => e.activeAt === stale.getTime())).toHaveLength(1);

        expect((await request(server.url, 'DELETE', `/v1/machines/${machineId}`, { token })).status).toBe(200);
        const before = app.ephemerals.length;
        daemon.socket.emit('machine-alive', { machineId, time: Date.now() });
        await roundTrip(daemon);
        await roundTrip(app);
        expect(app.ephemerals.slice(before)).toEqual([]);
        daemon.close();
        app.close();
    });
});
