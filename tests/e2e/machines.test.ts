import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { connectSocket, roundTrip } from '../harness/socketClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';

// Key orders of spec rest.md §3.5 / §4.2 and realtime.md §6.
const POST_KEYS = ['id', 'metadata', 'metadataVersion', 'daemonState', 'daemonStateVersion', 'dataEncryptionKey', 'active', 'activeAt', 'createdAt', 'updatedAt'];
const GET_KEYS = ['id', 'metadata', 'metadataVersion', 'daemonState', 'daemonStateVersion', 'dataEncryptionKey', 'seq', 'active', 'activeAt', 'createdAt', 'updatedAt'];
const NEW_MACHINE_KEYS = ['t', 'machineId', 'seq', 'metadata', 'metadataVersion', 'daemonState', 'daemonStateVersion', 'dataEncryptionKey', 'active', 'activeAt', 'createdAt', 'updatedAt'];
const ENVELOPE_KEYS = ['id', 'seq', 'body', 'createdAt'];

const NOT_FOUND = { result: 'error', message: 'Machine not found' };
const INVALID = { result: 'error', message: 'Invalid parameters' };

// Opaque ciphertexts as the clients send them (the server never decrypts).
const b64 = (text: string) => Buffer.from(text).toString('base64');
const DATA_KEY = Buffer.from(Array.from({ length: 105 }, (_, i) => i)).toString('base64');

const isUpdate = (t: string, machineId: string) => (u: any) => u.body.t === t && u.body.machineId === machineId;

describe('machines (spec rest.md §3.5, realtime.md §6.2, §7.9-§7.10)', () => {
    const server = useTestServer();

    const post = (token: string, body: unknown) => request(server.url, 'POST', '/v1/machines', { token, body });
    const get = (token: string, path: string) => request(server.url, 'GET', path, { token });
    const del = (token: string, id: string) => request(server.url, 'DELETE', `/v1/machines/${encodeURIComponent(id)}`, { token });

    /** A fresh account with its app socket (user-scoped), so the account's seqs start at 1. */
    async function account() {
        const { token, userId } = await server.account();
        const app = await server.connect(token, { clientType: 'user-scoped' });
        return { token, userId, app };
    }

    it('runs the daemon and app flow with exact shapes, recipients and consecutive seqs', async () => {
        const { token, userId, app } = await account();
        const machineId = randomUUID();
        const otherId = randomUUID();
        const metadata = b64('{"host":"laptop"}');
        // The daemon socket may connect before its machine exists (unknown ids are accepted).
        const daemon = await connectSocket(server.url, token, { clientType: 'machine-scoped', machineId });

        const created = await post(token, { id: machineId, metadata, dataEncryptionKey: DATA_KEY });
        expect(created.status).toBe(200);
        expect(Object.keys(created.body)).toEqual(['machine']);
        const machine = created.body.machine;
        expect(Object.keys(machine)).toEqual(POST_KEYS);
        expect(machine).toMatchObject({
            id: machineId,
            metadata,
            metadataVersion: 1,
            daemonState: null,
            daemonStateVersion: 0,
            dataEncryptionKey: DATA_KEY,
            active: false,
        });
        expect(typeof machine.createdAt).toBe('number');
        expect(machine.activeAt).toBe(machine.createdAt);
        expect(machine.updatedAt).toBe(machine.createdAt);

        // The app hears new-machine, then the metadata companion on the next seq.
        const newMachine = await app.next('update', isUpdate('new-machine', machineId));
        expect(Object.keys(newMachine)).toEqual(ENVELOPE_KEYS);
        expect(newMachine.id).toMatch(/^[A-Za-z0-9]{12}$/);
        expect(Object.keys(newMachine.body)).toEqual(NEW_MACHINE_KEYS);
        const { id: _id, ...fields } = machine;
        expect(newMachine.body).toEqual({ t: 'new-machine', machineId, seq: 0, ...fields });
        const companion = await app.next('update', isUpdate('update-machine', machineId));
        expect(companion.body).toEqual({ t: 'update-machine', machineId, metadata: { version: 1, value: metadata } });
        expect(Object.keys(companion.body.metadata)).toEqual(['version', 'value']);
        expect(companion.seq).toBe(newMachine.seq + 1);

        // The daemon hears the companion for its own machine only: no new-machine, no other machine.
        expect((await daemon.next('update', isUpdate('update-machine', machineId))).seq).toBe(companion.seq);
        expect((await post(token, { id: otherId, metadata: b64('other') })).status).toBe(200);
        await app.next('update', isUpdate('update-machine', otherId));

        // Daemon start: report the state; a restart with a stale version adopts the mismatch version and retries.
        const running = b64('{"status":"running","pid":1}');
        const first = await daemon.emitWithAck('machine-update-state', { machineId, daemonState: running, expectedVersion: 0 });
        expect(first).toEqual({ result: 'success', version: 1, daemonState: running });
        expect(Object.keys(first)).toEqual(['result', 'version', 'daemonState']);
        // Emitted before the ack, sender included.
        const stateUpdate = daemon.updates.at(-1);
        expect(stateUpdate.body).toEqual({ t: 'update-machine', machineId, daemonState: { value: running, version: 1 } });
        expect(Object.keys(stateUpdate.body)).toEqual(['t', 'machineId', 'daemonState']);
        expect(Object.keys(stateUpdate.body.daemonState)).toEqual(['value', 'version']);

        const restarted = b64('{"status":"running","pid":2}');
        const stale = await daemon.emitWithAck('machine-update-state', { machineId, daemonState: restarted, expectedVersion: 0 });
        expect(stale).toEqual({ result: 'version-mismatch', version: 1, daemonState: running });
        expect(Object.keys(stale)).toEqual(['result', 'version', 'daemonState']);
        const retried = await daemon.emitWithAck('machine-update-state', { machineId, daemonState: restarted, expectedVersion: stale.version });
        expect(retried).toEqual({ result: 'success', version: 2, daemonState: restarted });

        const row = await server.deps.db.prisma.machine.findUniqueOrThrow({ where: { id: machineId } });
        expect(row).toMatchObject({ accountId: userId, active: true, daemonState: restarted, daemonStateVersion: 2, seq: 0 });
        expect(row.lastActiveAt.getTime()).toBeGreaterThanOrEqual(machine.createdAt);

        // The app renames the machine; both sides hear only the metadata key.
        const renamed = b64('{"host":"laptop","displayName":"Work"}');
        const rename = await app.emitWithAck('machine-update-metadata', { machineId, metadata: renamed, expectedVersion: 1 });
        expect(rename).toEqual({ result: 'success', version: 2, metadata: renamed });
        expect(Object.keys(rename)).toEqual(['result', 'version', 'metadata']);
        const renameUpdate = await daemon.next('update', (u) => u.body.metadata?.version === 2);
        expect(renameUpdate.body).toEqual({ t: 'update-machine', machineId, metadata: { value: renamed, version: 2 } });
        expect(Object.keys(renameUpdate.body.metadata)).toEqual(['value', 'version']);
        const mismatch = await app.emitWithAck('machine-update-metadata', { machineId, metadata: b64('x'), expectedVersion: 1 });
        expect(mismatch).toEqual({ result: 'version-mismatch', version: 2, metadata: renamed });
        expect(Object.keys(mismatch)).toEqual(['result', 'version', 'metadata']);
        const untouched = await server.deps.db.prisma.machine.findUniqueOrThrow({ where: { id: machineId } });
        expect(untouched.lastActiveAt).toEqual(row.lastActiveAt);

        // REST reads: a bare array (most recently active first) and the single machine, both with seq.
        const list = await get(token, '/v1/machines');
        expect(list.status).toBe(200);
        expect(Array.isArray(list.body)).toBe(true);
        expect(list.body.map((m: any) => m.id).sort()).toEqual([machineId, otherId].sort());
        for (const m of list.body) expect(Object.keys(m)).toEqual(GET_KEYS);
        expect(list.body[0].activeAt).toBeGreaterThanOrEqual(list.body[1].activeAt);
        const single = await get(token, `/v1/machines/${machineId}`);
        expect(single.status).toBe(200);
        expect(Object.keys(single.body)).toEqual(['machine']);
        expect(Object.keys(single.body.machine)).toEqual(GET_KEYS);
        expect(single.body.machine).toEqual({
            ...machine,
            seq: 0,
            metadata: renamed,
            metadataVersion: 2,
            daemonState: restarted,
            daemonStateVersion: 2,
            active: true,
            activeAt: row.lastActiveAt.getTime(),
            updatedAt: single.body.machine.updatedAt,
        });
        expect(list.body.find((m: any) => m.id === machineId)).toEqual(single.body.machine);

        // The daemon's next start: POST returns the stored machine unchanged and emits nothing.
        const before = app.updates.length;
        const again = await post(token, { id: machineId, metadata: b64('ignored'), daemonState: b64('ignored') });
        expect(again.status).toBe(200);
        const { seq: _seq, ...withoutSeq } = single.body.machine;
        expect(again.body).toEqual({ machine: withoutSeq });
        expect(Object.keys(again.body.machine)).toEqual(POST_KEYS);
        await roundTrip(app);
        expect(app.updates.length).toBe(before);

        // Delete: user-scoped clients hear it, the daemon socket is not addressed.
        const deleted = await del(token, machineId);
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ success: true });
        const deleteUpdate = await app.next('update', isUpdate('delete-machine', machineId));
        expect(deleteUpdate.body).toEqual({ t: 'delete-machine', machineId });
        expect(Object.keys(deleteUpdate.body)).toEqual(['t', 'machineId']);
        expect(await get(token, `/v1/machines/${machineId}`)).toMatchObject({ status: 404, body: { error: 'Machine not found' } });
        expect(await del(token, machineId)).toMatchObject({ status: 404, body: { error: 'Machine not found' } });
        expect(await daemon.emitWithAck('machine-update-state', { machineId, daemonState: running, expectedVersion: 2 })).toEqual(NOT_FOUND);
        await roundTrip(daemon);
        expect(daemon.updates.map((u) => u.body.t)).toEqual(['update-machine', 'update-machine', 'update-machine', 'update-machine']);
        expect(daemon.updates.every((u) => u.body.machineId === machineId)).toBe(true);

        // Every update of the account reached the app, numbered 1, 2, 3 ... with no gap.
        await roundTrip(app);
        const seqs = app.updates.map((u) => u.seq);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
        const accountRow = await server.deps.db.prisma.account.findUniqueOrThrow({ where: { id: userId } });
        expect(accountRow.seq).toBe(seqs.length);
        expect(app.updates.map((u) => u.body.t)).toEqual([
            'new-machine', 'update-machine', 'new-machine', 'update-machine',
            'update-machine', 'update-machine', 'update-machine', 'delete-machine',
        ]);
        app.close();
        daemon.close();
    });

    it('stores creation defaults, daemon state and the data key as the clients send them', async () => {
        const { token, app } = await account();
        const withState = await post(token, { id: randomUUID(), metadata: b64('m'), daemonState: b64('s') });
        expect(withState.body.machine).toMatchObject({ daemonState: b64('s'), daemonStateVersion: 1, dataEncryptionKey: null });
        const announced = await app.next('update', isUpdate('new-machine', withState.body.machine.id));
        expect(announced.body).toMatchObject({ daemonState: b64('s'), daemonStateVersion: 1, metadataVersion: 1, active: false });

        const emptyState = await post(token, { id: randomUUID(), metadata: '', daemonState: '', dataEncryptionKey: null });
        expect(emptyState.body.machine).toMatchObject({ metadata: '', daemonState: null, daemonStateVersion: 0, dataEncryptionKey: null });

        // Decoded leniently like upstream (URL-safe alphabet, no padding); answered in standard base64.
        const id = randomUUID();
        const lenient = await post(token, { id, metadata: b64('m'), dataEncryptionKey: 'AQID-_8' });
        expect(lenient.body.machine.dataEncryptionKey).toBe('AQID+/8=');
        const row = await server.deps.db.prisma.machine.findUniqueOrThrow({ where: { id } });
        expect([...row.dataEncryptionKey!]).toEqual([1, 2, 3, 0xfb, 0xff]);
        expect(row).toMatchObject({ active: false, seq: 0, metadataVersion: 1 });

        // Unknown fields are stripped, never an error.
        expect((await post(token, { id: randomUUID(), metadata: b64('m'), extra: { any: 1 } })).status).toBe(200);
        app.close();
    });

    it('keeps the access keys of a deleted machine from surviving it, and keeps the sessions', async () => {
        const { token, userId, app } = await account();
        const machineId = randomUUID();
        expect((await post(token, { id: machineId, metadata: b64('m') })).status).toBe(200);
        const prisma = server.deps.db.prisma;
        const session = await prisma.session.create({ data: { tag: 't', accountId: userId, metadata: 'm' } });
        await prisma.accessKey.create({ data: { accountId: userId, machineId, sessionId: session.id, data: 'k' } });
        expect((await del(token, machineId)).status).toBe(200);
        expect(await prisma.accessKey.count({ where: { machineId } })).toBe(0);
        expect(await prisma.session.count({ where: { id: session.id } })).toBe(1);
        app.close();
    });

    it('creates a machine once under concurrent POSTs of the same id', async () => {
        const { token, userId, app } = await account();
        const id = randomUUID();
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => post(token, { id, metadata: b64(`m${i}`) })));
        expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
        for (const r of results) expect(r.body).toEqual(results[0]!.body);
        await roundTrip(app);
        expect(app.updates.map((u) => [u.seq, u.body.t])).toEqual([[1, 'new-machine'], [2, 'update-machine']]);
        expect(await server.deps.db.prisma.machine.count({ where: { id } })).toBe(1);
        expect((await server.deps.db.prisma.account.findUniqueOrThrow({ where: { id: userId } })).seq).toBe(2);
        app.close();
    });

    it('lets exactly one of concurrent state writes win and answers the others with the fresh value', async () => {
        const { token, app } = await account();
        const machineId = randomUUID();
        await post(token, { id: machineId, metadata: b64('m') });
        const daemon = await connectSocket(server.url, token, { clientType: 'machine-scoped', machineId });
        const states = Array.from({ length: 5 }, (_, i) => b64(`state-${i}`));
        const acks = await Promise.all(
            states.map((daemonState) => daemon.emitWithAck('machine-update-state', { machineId, daemonState, expectedVersion: 0 })),
        );
        const winners = acks.filter((a) => a.result === 'success');
        expect(winners).toHaveLength(1);
        const winner = winners[0]!;
        for (const ack of acks.filter((a) => a !== winner)) {
            expect(ack).toEqual({ result: 'version-mismatch', version: 1, daemonState: winner.daemonState });
        }
        await roundTrip(app);
        expect(app.updates.map((u) => u.seq)).toEqual([1, 2, 3]);
        app.close();
        daemon.close();
    });

    it('treats another account\'s machine as missing everywhere and tells neither side anything', async () => {
        const owner = await account();
        const intruder = await account();
        const machineId = randomUUID();
        const ownerDaemon = await connectSocket(server.url, owner.token, { clientType: 'machine-scoped', machineId });
        const created = await post(owner.token, { id: machineId, metadata: b64('mine'), daemonState: b64('s') });
        expect(created.status).toBe(200);
        await owner.app.next('update', isUpdate('update-machine', machineId));
        const ownerUpdates = owner.app.updates.length;
        const intruderDaemon = await connectSocket(server.url, intruder.token, { clientType: 'machine-scoped', machineId });

        // The id is taken: a clear 4xx, not upstream's primary-key 500, and nothing is overwritten.
        const taken = await post(intruder.token, { id: machineId, metadata: b64('theirs') });
        expect(taken.status).toBe(409);
        expect(taken.body).toEqual({ error: 'Machine id already in use' });
        expect(await get(intruder.token, `/v1/machines/${machineId}`)).toMatchObject({ status: 404, body: { error: 'Machine not found' } });
        expect(await del(intruder.token, machineId)).toMatchObject({ status: 404, body: { error: 'Machine not found' } });
        expect((await get(intruder.token, '/v1/machines')).body).toEqual([]);
        for (const socket of [intruder.app, intruderDaemon]) {
            expect(await socket.emitWithAck('machine-update-metadata', { machineId, metadata: b64('x'), expectedVersion: 1 })).toEqual(NOT_FOUND);
            expect(await socket.emitWithAck('machine-update-state', { machineId, daemonState: b64('x'), expectedVersion: 1 })).toEqual(NOT_FOUND);
        }
        const row = await server.deps.db.prisma.machine.findUniqueOrThrow({ where: { id: machineId } });
        expect(row).toMatchObject({ accountId: owner.userId, metadata: b64('mine'), metadataVersion: 1, daemonState: b64('s'), daemonStateVersion: 1 });

        // The owner's own activity reaches only the owner.
        expect(await ownerDaemon.emitWithAck('machine-update-state', { machineId, daemonState: b64('t'), expectedVersion: 1 })).toMatchObject({ result: 'success' });
        expect((await del(owner.token, machineId)).status).toBe(200);
        await owner.app.next('update', isUpdate('delete-machine', machineId));
        for (const socket of [owner.app, intruder.app, intruderDaemon]) await roundTrip(socket);
        expect(owner.app.updates.slice(ownerUpdates).map((u) => u.body.t)).toEqual(['update-machine', 'delete-machine']);
        expect(intruder.app.updates).toEqual([]);
        expect(intruderDaemon.updates).toEqual([]);

        // Once the owner deleted it, the id is free again.
        expect((await post(intruder.token, { id: machineId, metadata: b64('theirs') })).status).toBe(200);
        for (const socket of [owner.app, intruder.app, ownerDaemon, intruderDaemon]) socket.close();
    });

    it('answers bad REST input with 4xx and keeps serving', async () => {
        const { token, app } = await account();
        expect(await request(server.url, 'POST', '/v1/machines', { body: { id: randomUUID(), metadata: 'm' } })).toMatchObject({
            status: 401,
            body: { error: 'Missing authorization header' },
        });
        expect((await request(server.url, 'GET', '/v1/machines', { token: 'nope' })).status).toBe(401);

        const id = randomUUID();
        const bad: Array<[unknown, string]> = [
            [{ metadata: 'm' }, 'body/id'],
            [{ id }, 'body/metadata'],
            [{ id: 42, metadata: 'm' }, 'body/id'],
            [{ id, metadata: 42 }, 'body/metadata'],
            [{ id, metadata: 'm', daemonState: null }, 'body/daemonState'],
            [{ id, metadata: 'm', daemonState: 7 }, 'body/daemonState'],
            [{ id, metadata: 'm', dataEncryptionKey: 7 }, 'body/dataEncryptionKey'],
            [{ id, metadata: 'm', dataEncryptionKey: 'A'.repeat(5000) }, 'body/dataEncryptionKey'],
            [{ id: '', metadata: 'm' }, 'body/id'],
            [{ id: 'x'.repeat(101), metadata: 'm' }, 'body/id'],
            [{ id: 'a\u0000b', metadata: 'm' }, 'body/id'],
            [{ id, metadata: 'nul\u0000byte' }, 'body/metadata'],
            [{ id, metadata: 'lone \ud800 surrogate' }, 'body/metadata'],
            [{ id, metadata: 'x'.repeat(1_000_001) }, 'body/metadata'],
            [{ id, metadata: 'm', daemonState: 'x'.repeat(1_000_001) }, 'body/daemonState'],
            [[], 'body/'],
            ['text', 'body/'],
        ];
        for (const [body, part] of bad) {
            const response = await post(token, body);
            expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
            expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
            expect(response.body.error).toBe('Error');
            expect(response.body.message).toContain(part);
        }
        const nullBody = await request(server.url, 'POST', '/v1/machines', { token, raw: 'null', headers: { 'content-type': 'application/json' } });
        expect(nullBody.status).toBe(400);
        const malformed = await request(server.url, 'POST', '/v1/machines', { token, raw: '{"id":', headers: { 'content-type': 'application/json' } });
        expect(malformed).toMatchObject({ status: 400, body: { error: 'SyntaxError' } });
        const tooLarge = await post(token, { id, metadata: 'x'.repeat(5 * 1024 * 1024) });
        expect(tooLarge.status).toBe(413);

        // Longer than the router's parameter limit: refused before the route (the status is the router's).
        const longId = await get(token, `/v1/machines/${'x'.repeat(101)}`);
        expect(longId.status).toBeGreaterThanOrEqual(400);
        expect(longId.status).toBeLessThan(500);
        expect((await get(token, '/v1/machines/a%00b')).status).toBe(400);
        expect((await del(token, 'a\u0000b')).status).toBe(400);
        expect(await get(token, `/v1/machines/${randomUUID()}`)).toMatchObject({ status: 404, body: { error: 'Machine not found' } });

        // Nothing was written or announced, and the server still answers.
        expect(await get(token, '/v1/machines')).toMatchObject({ status: 200, body: [] });
        await roundTrip(app);
        expect(app.updates).toEqual([]);
        app.close();
    });

    it('acks every bad socket payload with an error and keeps serving', async () => {
        const { token, app } = await account();
        const machineId = randomUUID();
        await post(token, { id: machineId, metadata: b64('m') });
        const daemon = await connectSocket(server.url, token, { clientType: 'machine-scoped', machineId });
        await app.next('update', isUpdate('update-machine', machineId));
        const baseline = app.updates.length;

        const cases: Array<[string, (value: string) => Record<string, unknown>]> = [
            ['machine-update-metadata', (value) => ({ metadata: value })],
            ['machine-update-state', (value) => ({ daemonState: value })],
        ];
        for (const [event, field] of cases) {
            const invalid: unknown[] = [
                undefined,
                null,
                'text',
                42,
                [],
                {},
                { machineId },
                { machineId, expectedVersion: 0 },
                { ...field('v'), expectedVersion: 0 },
                { machineId: 7, ...field('v'), expectedVersion: 0 },
                { machineId: '', ...field('v'), expectedVersion: 0 },
                { machineId: 'x'.repeat(101), ...field('v'), expectedVersion: 0 },
                { machineId, ...field('v'), expectedVersion: '0' },
                { machineId, ...field('v'), expectedVersion: 0.5 },
                { machineId, ...field('v'), expectedVersion: null },
                { machineId, ...field('v'), expectedVersion: 2 ** 40 },
                { machineId, metadata: 7, daemonState: 7, expectedVersion: 0 },
                { machineId, metadata: null, daemonState: null, expectedVersion: 0 },
                { machineId, ...field('nul\u0000'), expectedVersion: 0 },
                { machineId, ...field('x'.repeat(1_000_001)), expectedVersion: 0 },
            ];
            for (const payload of invalid) {
                expect(await daemon.emitWithAck(event, payload), `${event} ${JSON.stringify(payload)?.slice(0, 80)}`).toEqual(INVALID);
            }
            expect(await daemon.emitWithAck(event, { machineId: randomUUID(), ...field('v'), expectedVersion: 0 })).toEqual(NOT_FOUND);
        }

        // No ack function at all: the write still happens and nothing breaks.
        daemon.socket.emit('machine-update-state', { machineId, daemonState: b64('no-ack'), expectedVersion: 0 });
        await app.next('update', (u) => u.body.daemonState?.version === 1);
        expect(await daemon.emitWithAck('ping')).toEqual({});

        await roundTrip(app);
        expect(app.updates.length).toBe(baseline + 1);
        expect((await get(token, `/v1/machines/${machineId}`)).body.machine).toMatchObject({ metadataVersion: 1, daemonStateVersion: 1 });
        app.close();
        daemon.close();
    });
});
