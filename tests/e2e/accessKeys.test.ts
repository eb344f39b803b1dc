import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { ciphertext, createSession } from '../harness/sessions.ts';
import { roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

// Shapes of spec rest.md §3.7 and realtime.md §7.16.
const KEY_KEYS = ['data', 'dataVersion', 'createdAt', 'updatedAt'];
const NOT_OWNED = 'Session or machine not found';
const INVALID = { ok: false, error: 'Invalid parameters: sessionId and machineId are required' };

describe('access keys (spec rest.md §3.7, realtime.md §7.16)', () => {
    const server = useTestServer();
    const prisma = () => server.deps.db.prisma;

    /** An account with one session, one machine and its app socket. */
    async function setup() {
        const account = await server.account();
        const app = await account.connect({ clientType: 'user-scoped' });
        const session = await createSession(server.url, account.token);
        const machineId = randomUUID();
        const machine = await account.request('POST', '/v1/machines', { body: { id: machineId, metadata: ciphertext() } });
        expect(machine.status).toBe(200);
        await app.next('update', (u) => u.body.t === 'update-machine');
        return { account, app, sessionId: session.id, machineId, keys: keyClient(account) };
    }

    function keyClient(account: TestAccount) {
        const path = (sessionId: string, machineId: string) =>
            `/v1/access-keys/${encodeURIComponent(sessionId)}/${encodeURIComponent(machineId)}`;
        return {
            get: (s: string, m: string) => account.request('GET', path(s, m)),
            create: (s: string, m: string, body: unknown) => account.request('POST', path(s, m), { body }),
            update: (s: string, m: string, body: unknown) => account.request('PUT', path(s, m), { body }),
        };
    }

    /** Nothing about access keys is ever broadcast. */
    async function expectNoUpdates(socket: TestSocket, before: number) {
        await roundTrip(socket);
        expect(socket.updates.length).toBe(before);
    }

    it('creates, reads and updates a key with exact shapes and no realtime events', async () => {
        const { account, app, sessionId, machineId, keys } = await setup();
        const baseline = app.updates.length;
        const cli = await account.connect({ clientType: 'session-scoped', sessionId });

        const empty = await keys.get(sessionId, machineId);
        expect(empty).toMatchObject({ status: 200, body: { accessKey: null } });
        expect(Object.keys(empty.body)).toEqual(['accessKey']);
        expect(await cli.emitWithAck('access-key-get', { sessionId, machineId })).toEqual({ ok: true, accessKey: null });

        const data = ciphertext(96);
        const created = await keys.create(sessionId, machineId, { data });
        expect(created.status).toBe(200);
        expect(Object.keys(created.body)).toEqual(['success', 'accessKey']);
        expect(Object.keys(created.body.accessKey)).toEqual(KEY_KEYS);
        expect(created.body).toMatchObject({ success: true, accessKey: { data, dataVersion: 1 } });
        const { createdAt, updatedAt } = created.body.accessKey;
        expect(typeof createdAt).toBe('number');
        expect(updatedAt).toBe(createdAt);

        const read = await keys.get(sessionId, machineId);
        expect(read.body).toEqual({ accessKey: created.body.accessKey });
        expect(Object.keys(read.body.accessKey)).toEqual(KEY_KEYS);
        for (const socket of [cli, app]) {
            const ack = await socket.emitWithAck('access-key-get', { sessionId, machineId });
            expect(ack).toEqual({ ok: true, accessKey: created.body.accessKey });
            expect(Object.keys(ack)).toEqual(['ok', 'accessKey']);
            expect(Object.keys(ack.accessKey)).toEqual(KEY_KEYS);
        }

        // A second create is refused and changes nothing.
        const duplicate = await keys.create(sessionId, machineId, { data: ciphertext() });
        expect(duplicate).toMatchObject({ status: 409, body: { error: 'Access key already exists' } });
        expect(Object.keys(duplicate.body)).toEqual(['error']);

        // Versioned update: success, then a stale write answered (200) with the current value.
        const next = ciphertext(96);
        const updated = await keys.update(sessionId, machineId, { data: next, expectedVersion: 1 });
        expect(updated).toMatchObject({ status: 200, body: { success: true, version: 2 } });
        expect(Object.keys(updated.body)).toEqual(['success', 'version']);
        const stale = await keys.update(sessionId, machineId, { data: ciphertext(), expectedVersion: 1 });
        expect(stale.status).toBe(200);
        expect(stale.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 2, currentData: next });
        expect(Object.keys(stale.body)).toEqual(['success', 'error', 'currentVersion', 'currentData']);
        const ahead = await keys.update(sessionId, machineId, { data: ciphertext(), expectedVersion: 7 });
        expect(ahead.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 2, currentData: next });

        const after = (await keys.get(sessionId, machineId)).body.accessKey;
        expect(after).toMatchObject({ data: next, dataVersion: 2, createdAt });
        expect(after.updatedAt).toBeGreaterThanOrEqual(createdAt);
        const row = await prisma().accessKey.findUniqueOrThrow({
            where: { accountId_machineId_sessionId: { accountId: account.userId, machineId, sessionId } },
        });
        expect(row).toMatchObject({ data: next, dataVersion: 2 });

        // Data is opaque text: stored as sent, not base64-decoded.
        const other = await setup();
        const text = 'not base64 at all: {"k":"é"} ✓';
        expect((await other.keys.create(other.sessionId, other.machineId, { data: text })).status).toBe(200);
        expect((await other.keys.get(other.sessionId, other.machineId)).body.accessKey.data).toBe(text);

        await expectNoUpdates(app, baseline);
        await expectNoUpdates(cli, 0);
    });

    it('requires both the session and the machine to be the caller\'s; others\' ids look missing', async () => {
        const owner = await setup();
        const intruder = await setup();
        const data = ciphertext();
        expect((await owner.keys.create(owner.sessionId, owner.machineId, { data })).status).toBe(200);
        const baseline = owner.app.updates.length;

        const pairs: Array<[string, string]> = [
            [owner.sessionId, owner.machineId], // both someone else's
            [owner.sessionId, intruder.machineId], // session someone else's
            [intruder.sessionId, owner.machineId], // machine someone else's
            [randomUUID(), intruder.machineId], // unknown session
            [intruder.sessionId, randomUUID()], // unknown machine
        ];
        for (const [sessionId, machineId] of pairs) {
            expect(await intruder.keys.get(sessionId, machineId)).toMatchObject({ status: 404, body: { error: NOT_OWNED } });
            expect(await intruder.keys.create(sessionId, machineId, { data: ciphertext() })).toMatchObject({ status: 404, body: { error: NOT_OWNED } });
            expect(await intruder.app.emitWithAck('access-key-get', { sessionId, machineId })).toEqual({ ok: false, error: NOT_OWNED });
            expect(await intruder.keys.update(sessionId, machineId, { data: ciphertext(), expectedVersion: 1 })).toMatchObject({
                status: 404,
                body: { error: 'Access key not found' },
            });
        }
        // The caller's own pair with no key yet: PUT says so.
        expect(await intruder.keys.update(intruder.sessionId, intruder.machineId, { data, expectedVersion: 0 })).toMatchObject({
            status: 404,
            body: { error: 'Access key not found' },
        });

        // The owner's key is untouched and nothing else was stored.
        expect((await owner.keys.get(owner.sessionId, owner.machineId)).body.accessKey).toMatchObject({ data, dataVersion: 1 });
        expect(await prisma().accessKey.count({ where: { accountId: intruder.account.userId } })).toBe(0);
        await expectNoUpdates(owner.app, baseline);
    });

    it('goes with its session: once the session is deleted the key and the pair are gone', async () => {
        const { account, sessionId, machineId, keys } = await setup();
        expect((await keys.create(sessionId, machineId, { data: ciphertext() })).status).toBe(200);
        expect((await account.request('DELETE', `/v1/sessions/${sessionId}`)).status).toBe(200);
        expect(await keys.get(sessionId, machineId)).toMatchObject({ status: 404, body: { error: NOT_OWNED } });
        expect(await keys.create(sessionId, machineId, { data: ciphertext() })).toMatchObject({ status: 404, body: { error: NOT_OWNED } });
        expect(await prisma().accessKey.count({ where: { sessionId } })).toBe(0);
    });

    it('never leaves a key behind, nor fails, when its machine is deleted concurrently', async () => {
        const { account, sessionId, keys } = await setup();
        for (let i = 0; i < 8; i++) {
            const machineId = randomUUID();
            expect((await account.request('POST', '/v1/machines', { body: { id: machineId, metadata: ciphertext() } })).status).toBe(200);
            const [created, deleted] = await Promise.all([
                keys.create(sessionId, machineId, { data: ciphertext() }),
                account.request('DELETE', `/v1/machines/${machineId}`),
            ]);
            expect([200, 404]).toContain(created.status);
            if (created.status === 404) expect(created.body).toEqual({ error: NOT_OWNED });
            expect(deleted.status).toBe(200);
            expect(await prisma().accessKey.count({ where: { machineId } })).toBe(0);
        }
    });

    it('never leaves a key behind, nor fails, when its session is deleted concurrently', async () => {
        const { account, machineId, keys } = await setup();
        for (let i = 0; i < 8; i++) {
            const sessionId = (await createSession(server.url, account.token)).id;
            const [created, deleted] = await Promise.all([
                keys.create(sessionId, machineId, { data: ciphertext() }),
                account.request('DELETE', `/v1/sessions/${sessionId}`),
            ]);
            expect([200, 404]).toContain(created.status);
            if (created.status === 404) expect(created.body).toEqual({ error: NOT_OWNED });
            expect(deleted).toMatchObject({ status: 200, body: { success: true } });
            expect(await prisma().accessKey.count({ where: { sessionId } })).toBe(0);
        }
    });

    it('refuses bad input with 4xx and bad socket payloads with the error ack', async () => {
        const { account, app, sessionId, machineId, keys } = await setup();
        const badCreate: Array<[unknown, string]> = [
            [{}, 'body/data'],
            [{ data: 7 }, 'body/data'],
            [{ data: null }, 'body/data'],
            [{ data: 'nul\u0000' }, 'body/data'],
            [{ data: 'lone \udc00' }, 'body/data'],
            [{ data: 'x'.repeat(64 * 1024 + 1) }, 'body/data'],
            [[], 'body/'],
        ];
        for (const [body, part] of badCreate) {
            const response = await keys.create(sessionId, machineId, body);
            expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
            expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
            expect(response.body.message).toContain(part);
        }
        expect((await keys.create(sessionId, machineId, { data: 'v1' })).status).toBe(200);
        const badUpdate: Array<[unknown, string]> = [
            [{ data: 'x' }, 'body/expectedVersion'],
            [{ expectedVersion: 1 }, 'body/data'],
            [{ data: 'x', expectedVersion: -1 }, 'body/expectedVersion'],
            [{ data: 'x', expectedVersion: 1.5 }, 'body/expectedVersion'],
            [{ data: 'x', expectedVersion: '1' }, 'body/expectedVersion'],
            [{ data: 'x', expectedVersion: 2 ** 31 - 1 }, 'body/expectedVersion'],
            [{ data: 'x\u0000', expectedVersion: 1 }, 'body/data'],
            [{ data: 'x'.repeat(64 * 1024 + 1), expectedVersion: 1 }, 'body/data'],
        ];
        for (const [body, part] of badUpdate) {
            const response = await keys.update(sessionId, machineId, body);
            expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
            expect(response.body.message).toContain(part);
        }
        // The largest version that still fits the column after +1 is accepted (here: a mismatch).
        expect((await keys.update(sessionId, machineId, { data: 'x', expectedVersion: 2 ** 31 - 2 })).body).toMatchObject({
            success: false,
            currentVersion: 1,
        });
        expect((await keys.get('a\u0000b', machineId)).status).toBe(400);
        expect((await keys.get(sessionId, 'x'.repeat(101))).status).toBe(404);
        expect((await keys.create(sessionId, machineId, { data: 'x'.repeat(500 * 1024) })).status).toBe(413);
        expect(await request(server.url, 'GET', `/v1/access-keys/${sessionId}/${machineId}`)).toMatchObject({
            status: 401,
            body: { error: 'Missing authorization header' },
        });

        // The largest legal body: 64 Ki characters that JSON escapes to six bytes each.
        const other = await setup();
        const widest = '\u0001'.repeat(64 * 1024);
        expect(JSON.stringify({ data: widest }).length).toBeGreaterThan(6 * 64 * 1024);
        expect((await other.keys.create(other.sessionId, other.machineId, { data: widest })).status).toBe(200);
        expect((await other.keys.update(other.sessionId, other.machineId, { data: widest, expectedVersion: 1 })).body).toEqual({
            success: true,
            version: 2,
        });

        const invalid: unknown[] = [
            undefined,
            null,
            'text',
            42,
            [],
            {},
            { sessionId },
            { machineId },
            { sessionId: '', machineId },
            { sessionId, machineId: '' },
            { sessionId: 7, machineId },
            { sessionId, machineId: null },
            { sessionId: 'a\u0000', machineId },
            { sessionId, machineId: 'x'.repeat(101) },
        ];
        for (const payload of invalid) {
            expect(await app.emitWithAck('access-key-get', payload), JSON.stringify(payload)).toEqual(INVALID);
        }
        // No ack function: nothing breaks, the socket keeps answering.
        app.socket.emit('access-key-get', { sessionId, machineId });
        expect(await app.emitWithAck('ping')).toEqual({});
        expect((await app.emitWithAck('access-key-get', { sessionId, machineId })).accessKey).toMatchObject({ data: 'v1', dataVersion: 1 });
        expect(await prisma().accessKey.count({ where: { accountId: account.userId } })).toBe(1);
    });

    it('creates a key once under 50 concurrent creates; the others get the 409', async () => {
        const { account, sessionId, machineId, keys } = await setup();
        const datas = Array.from({ length: 50 }, (_, i) => `key-${i}`);
        const responses = await Promise.all(datas.map((data) => keys.create(sessionId, machineId, { data })));
        const winners = responses.filter((r) => r.status === 200);
        expect(winners).toHaveLength(1);
        for (const response of responses.filter((r) => r !== winners[0])) {
            expect(response).toMatchObject({ status: 409, body: { error: 'Access key already exists' } });
        }
        const stored = await prisma().accessKey.findMany({ where: { accountId: account.userId } });
        expect(stored).toHaveLength(1);
        expect(stored[0]!.data).toBe(winners[0]!.body.accessKey.data);
    });

    it('lets exactly one of 50 concurrent updates win and tells the others the winning data', async () => {
        const { sessionId, machineId, keys } = await setup();
        expect((await keys.create(sessionId, machineId, { data: 'start' })).status).toBe(200);
        const datas = Array.from({ length: 50 }, (_, i) => `update-${i}`);
        const responses = await Promise.all(datas.map((data) => keys.update(sessionId, machineId, { data, expectedVersion: 1 })));
        expect(responses.every((r) => r.status === 200)).toBe(true);
        const winners = responses.filter((r) => r.body.success);
        expect(winners).toHaveLength(1);
        expect(winners[0]!.body).toEqual({ success: true, version: 2 });
        const winner = datas[responses.indexOf(winners[0]!)]!;
        for (const response of responses.filter((r) => r !== winners[0])) {
            expect(response.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 2, currentData: winner });
        }
        expect((await keys.get(sessionId, machineId)).body.accessKey).toMatchObject({ data: winner, dataVersion: 2 });
    });
});
