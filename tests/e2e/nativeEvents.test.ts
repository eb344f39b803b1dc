import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNative, type NativeClient } from '../harness/nativeClient.ts';
import { ciphertext, createSession } from '../harness/sessions.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The native clients' round trip: everything sent before a ping was handled once its ack is back. */
const settle = (client: NativeClient) => client.emitWithAck('ping');

describe('the native event catalogue (spec workers.md §1.6-§1.12)', () => {
    const server = useTestServer();
    let account: TestAccount;
    let sessionId: string;
    const machineId = `machine-${randomUUID()}`;
    let app: NativeClient;
    let cli: NativeClient;
    let daemon: NativeClient;
    beforeAll(async () => {
        account = await server.account();
        sessionId = (await createSession(server.url, account.token)).id;
        expect((await account.request('POST', '/v1/machines', { body: { id: machineId, metadata: ciphertext() } })).status).toBe(200);
        app = await connectNative(server.url, { query: { token: account.token } });
        cli = await connectNative(server.url, {
            headers: { authorization: `Bearer ${account.token}`, 'x-client-type': 'session-scoped', 'x-session-id': sessionId },
        });
        daemon = await connectNative(server.url, { query: { token: account.token, clientType: 'machine-scoped', machineId } });
    });
    afterAll(() => [app, cli, daemon].forEach((client) => client.close()));

    it('answers ping with pong, and with an ack when one is awaited', async () => {
        app.send({ event: 'ping' });
        expect(await app.next('pong')).toEqual({ timestamp: expect.any(Number) });
        expect(await app.emitWithAck('ping')).toEqual({});
    });

    it('acks session metadata and state writes in both envelopes and fans the update out with both id names', async () => {
        const metadata = ciphertext();
        const ack = await cli.emitWithAck('update-metadata', { sid: sessionId, metadata, expectedVersion: 0 });
        expect(ack).toEqual({ result: 'success', version: 1, metadata });
        const update = await app.next('update', (u) => u.body.t === 'update-session' && u.body.metadata?.value === metadata);
        expect(update).toEqual({
            id: expect.any(String),
            seq: expect.any(Number),
            createdAt: expect.any(Number),
            body: { t: 'update-session', id: sessionId, sid: sessionId, metadata: { value: metadata, version: 1 } },
        });

        // The server form {type, payload, messageId}: the ack still comes back as {event:'ack', ackId}.
        cli.send({ type: 'update-state', payload: { sid: sessionId, agentState: 'state-1', expectedVersion: 0 }, messageId: 'm-1' });
        expect(await cli.frame((frame) => frame.ackId === 'm-1')).toEqual({ event: 'ack', ackId: 'm-1', ack: { result: 'success', version: 1, agentState: 'state-1' } });
        expect(await cli.emitWithAck('update-state', { sid: sessionId, agentState: 'x', expectedVersion: 0 })).toEqual({
            result: 'version-mismatch',
            version: 1,
            agentState: 'state-1',
        });
        expect(await cli.emitWithAck('update-metadata', { sid: 42 })).toEqual({ result: 'error' });
    });

    it('relays messages to the app and not back to the sender', async () => {
        const content = ciphertext();
        cli.emit('message', { sid: sessionId, message: content, localId: 'l-1' });
        const update = await app.next('update', (u) => u.body.t === 'new-message' && u.body.message.localId === 'l-1');
        expect(update.body).toMatchObject({ t: 'new-message', sid: sessionId, message: { content: { t: 'encrypted', c: content } } });
        await settle(cli);
        expect(cli.all('update').filter((u) => u.body.t === 'new-message')).toEqual([]);
    });

    it('turns alive and end events into activity ephemerals carrying id and sid', async () => {
        const time = Date.now();
        cli.emit('session-alive', { sid: sessionId, time, thinking: true });
        expect(await app.next('ephemeral', (e) => e.type === 'activity' && e.active)).toEqual({
            type: 'activity',
            id: sessionId,
            sid: sessionId,
            active: true,
            activeAt: time,
            thinking: true,
        });
        cli.emit('session-end', { sid: sessionId, time: Date.now() });
        expect(await app.next('ephemeral', (e) => e.type === 'activity' && !e.active)).toMatchObject({ sid: sessionId, active: false });
    });

    it('serves the daemon: alive, versioned metadata and state writes', async () => {
        daemon.emit('machine-alive', { machineId, time: Date.now() });
        expect(await app.next('ephemeral', (e) => e.type === 'machine-activity' && e.active)).toMatchObject({ id: machineId, machineId });
        const metadata = ciphertext();
        expect(await daemon.emitWithAck('machine-update-metadata', { machineId, metadata, expectedVersion: 1 })).toEqual({
            result: 'success',
            version: 2,
            metadata,
        });
        expect(await daemon.emitWithAck('machine-update-state', { machineId, daemonState: 'running', expectedVersion: 0 })).toMatchObject({
            result: 'success',
            version: 1,
        });
        const update = await app.next('update', (u) => u.body.t === 'update-machine' && u.body.daemonState);
        expect(update.body).toMatchObject({ machineId, daemonState: { value: 'running', version: 1 } });
        expect(await daemon.emitWithAck('machine-update-metadata', { machineId: 'nope', metadata, expectedVersion: 0 })).toMatchObject({
            result: 'error',
        });
    });

    it('creates, reads, updates and deletes artifacts with acks and updates', async () => {
        const id = randomUUID();
        const created = await app.emitWithAck('artifact-create', { id, header: b64('h'), body: b64('b'), dataEncryptionKey: b64('k') });
        expect(created).toMatchObject({ result: 'success', artifact: { id, header: b64('h'), headerVersion: 1 } });
        expect((await app.next('update', (u) => u.body.t === 'new-artifact' && u.body.artifactId === id)).body).toMatchObject({ header: b64('h') });
        expect(await app.emitWithAck('artifact-read', { artifactId: id })).toMatchObject({ result: 'success', artifact: { body: b64('b') } });
        expect(await app.emitWithAck('artifact-update', { artifactId: id, header: { data: b64('h2'), expectedVersion: 1 } })).toEqual({
            result: 'success',
            header: { version: 2, data: b64('h2') },
        });
        expect(await app.emitWithAck('artifact-delete', { artifactId: id })).toEqual({ result: 'success' });
        expect(await app.emitWithAck('artifact-read', { artifactId: id })).toMatchObject({ result: 'error' });
    });

    it('answers access-key-get and usage-report, and announces usage with id and sid', async () => {
        expect(await cli.emitWithAck('access-key-get', { sessionId, machineId })).toEqual({ ok: true, accessKey: null });
        const report = await cli.emitWithAck('usage-report', { key: 'claude', sessionId, tokens: { total: 10 }, cost: { total: 1 } });
        expect(report).toMatchObject({ success: true, reportId: expect.any(String) });
        expect(await app.next('ephemeral', (e) => e.type === 'usage')).toMatchObject({ id: sessionId, sid: sessionId, key: 'claude' });
        expect(await cli.emitWithAck('usage-report', { key: '' })).toEqual({ success: false, error: 'Invalid key' });
    });

    it('delivers REST-side updates (new-session) to native sockets with id and sid', async () => {
        const created = await createSession(server.url, account.token);
        const update = await app.next('update', (u) => u.body.t === 'new-session' && u.body.id === created.id);
        expect(update.body.sid).toBe(created.id);
    });

    it('answers the delta sync with the rows changed since the given positions', async () => {
        const reply = await app.emitWithAck('request-updates-since', { sessions: 0, machines: 0, artifacts: 0 });
        expect(reply).toMatchObject({ success: true, counts: { deletedSessions: 0, machines: 1 } });
        const machine = reply.updates.find((u: any) => u.type === 'update-machine');
        expect(machine.data).toMatchObject({ t: 'update-machine', machineId, daemonState: { value: 'running', version: 1 } });
        const session = reply.updates.find((u: any) => u.type === 'update-session' && u.data.sid === sessionId);
        expect(session.data).toMatchObject({ t: 'update-session', id: sessionId, agentState: { value: 'state-1', version: 1 } });
        const later = await app.emitWithAck('request-updates-since', { sessions: 1e9, machines: 1e9, artifacts: 1e9 });
        // Machines carry no change counter here: each is reported every time.
        expect(later.updates.map((u: any) => u.type)).toEqual(['update-machine']);
        expect(later.counts).toEqual({ sessions: 0, deletedSessions: 0, machines: 1, artifacts: 0 });
        expect(await app.emitWithAck('request-updates-since', { sessions: 'x' })).toEqual({ success: false, error: 'Invalid parameters' });
    });

    it('survives bad input: unknown and reserved events, bad acks, wrong shapes', async () => {
        app.emit('no-such-event', { a: 1 });
        app.emit('disconnect');
        expect(await app.next('error', (e) => e.message === 'Invalid message format')).toMatchObject({ code: 1002 });
        app.send({ event: 'rpc-response', ackId: 'server-999', ack: 'stray' });
        app.send({ event: 'ack', ackId: 'whatever', ack: 1 });
        app.send([1, 2, 3]);
        app.send('"just a string"');
        app.emit('update-metadata', null);
        expect(await app.emitWithAck('ping')).toEqual({});
        expect(app.ws.readyState).toBe(app.ws.OPEN);
    });
});
