import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HttpResult } from '../harness/http.ts';
import { roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

// Key orders of spec rest.md §3.6, realtime.md §6.2 and §7.12-§7.14.
const FULL_KEYS = ['id', 'header', 'headerVersion', 'body', 'bodyVersion', 'dataEncryptionKey', 'seq', 'createdAt', 'updatedAt'];
const SOCKET_KEYS = ['id', 'header', 'headerVersion', 'body', 'bodyVersion', 'seq', 'createdAt', 'updatedAt'];
const LIST_KEYS = ['id', 'header', 'headerVersion', 'dataEncryptionKey', 'seq', 'createdAt', 'updatedAt'];
const NEW_ARTIFACT_KEYS = ['t', 'artifactId', 'seq', 'header', 'headerVersion', 'body', 'bodyVersion', 'dataEncryptionKey', 'createdAt', 'updatedAt'];
const ENVELOPE_KEYS = ['id', 'seq', 'body', 'createdAt'];

const NOT_FOUND = { result: 'error', message: 'Artifact not found' };
const INVALID = { result: 'error', message: 'Invalid parameters' };
const TAKEN = 'Artifact with this ID already exists for another account';

// Opaque ciphertexts as the clients send them (the server never decrypts).
const b64 = (text: string) => Buffer.from(text).toString('base64');
// The limits (chars of base64) and the REST body limit of the artifact routes.
const HEADER_MAX = 256 * 1024;
const BODY_MAX = 4 * 1024 * 1024;
const KEY_MAX = 4096;
const BODY_LIMIT = 5 * 1024 * 1024;
const KEY = Buffer.from(Array.from({ length: 73 }, (_, i) => i)).toString('base64');

const isUpdate = (t: string, artifactId: string) => (u: any) => u.body.t === t && u.body.artifactId === artifactId;

/** The artifact as the socket acks carry it: everything but the data key. */
function withoutKey(artifact: Record<string, unknown>) {
    const { dataEncryptionKey: _key, ...rest } = artifact;
    return rest;
}

describe('artifacts (spec rest.md §3.6, realtime.md §6.2, §7.12-§7.15)', () => {
    const server = useTestServer();

    /** A fresh account with its app socket (user-scoped), so the account's seqs start at 1. */
    async function account(): Promise<TestAccount & { app: TestSocket }> {
        const user = await server.account();
        return { ...user, app: await user.connect({ clientType: 'user-scoped' }) };
    }

    const fields = (header: string, body: string) => ({ header, body, dataEncryptionKey: KEY });

    async function create(user: TestAccount, id: string = randomUUID(), header = b64('{"title":"t"}'), body = b64('b')) {
        const created = await user.request('POST', '/v1/artifacts', { body: { id, ...fields(header, body) } });
        expect(created.status).toBe(200);
        return created.body;
    }

    const update = (user: TestAccount, id: string, body: unknown) => user.request('POST', `/v1/artifacts/${id}`, { body });

    async function expectUntouched(id: string, expected: { header: string; headerVersion: number; bodyVersion: number; seq: number }) {
        const row = await server.deps.db.prisma.artifact.findUniqueOrThrow({ where: { id } });
        expect({ header: Buffer.from(row.header).toString('base64'), headerVersion: row.headerVersion, bodyVersion: row.bodyVersion, seq: row.seq }).toEqual(expected);
    }

    /**
     * The updates the account's app received: seqs 1, 2, 3 ... in arrival order with no gap,
     * one per seq the account allocated, also when writers race.
     */
    async function updatesBySeq(user: TestAccount & { app: TestSocket }) {
        await roundTrip(user.app);
        const updates = [...user.app.updates];
        expect(updates.map((u) => u.seq)).toEqual(updates.map((_, i) => i + 1));
        const row = await server.deps.db.prisma.account.findUniqueOrThrow({ where: { id: user.userId } });
        expect(row.seq).toBe(updates.length);
        return updates;
    }

    it('runs the app flow over REST with exact shapes, recipients and consecutive seqs', async () => {
        const me = await account();
        const sessionSocket = await me.connect({ clientType: 'session-scoped', sessionId: 'a-session' });
        const machineSocket = await me.connect({ clientType: 'machine-scoped', machineId: randomUUID() });
        const other = await account();
        const id = randomUUID();
        const header = b64('{"title":"Plan"}');
        const body = b64('# Plan');

        const created = await me.request('POST', '/v1/artifacts', { body: { id, ...fields(header, body) } });
        expect(created.status).toBe(200);
        expect(Object.keys(created.body)).toEqual(FULL_KEYS);
        expect(created.body).toEqual({
            id,
            header,
            headerVersion: 1,
            body,
            bodyVersion: 1,
            dataEncryptionKey: KEY,
            seq: 0,
            createdAt: expect.any(Number),
            updatedAt: created.body.createdAt,
        });
        const announced = await me.app.next('update', isUpdate('new-artifact', id));
        expect(Object.keys(announced)).toEqual(ENVELOPE_KEYS);
        expect(announced.id).toMatch(/^[A-Za-z0-9]{12}$/);
        expect(Object.keys(announced.body)).toEqual(NEW_ARTIFACT_KEYS);
        const { id: _id, ...rest } = created.body;
        expect(announced.body).toEqual({ t: 'new-artifact', artifactId: id, ...rest });

        // Idempotent: the stored artifact comes back unchanged and nothing is announced.
        const again = await me.request('POST', '/v1/artifacts', { body: { id, ...fields(b64('ignored'), b64('ignored')) } });
        expect(again.status).toBe(200);
        expect(again.body).toEqual(created.body);

        const list = await me.request('GET', '/v1/artifacts');
        expect(list.status).toBe(200);
        expect(list.body).toEqual([{ id, header, headerVersion: 1, dataEncryptionKey: KEY, seq: 0, createdAt: created.body.createdAt, updatedAt: created.body.updatedAt }]);
        expect(Object.keys(list.body[0])).toEqual(LIST_KEYS);
        const single = await me.request('GET', `/v1/artifacts/${id}`);
        expect(single.status).toBe(200);
        expect(Object.keys(single.body)).toEqual(FULL_KEYS);
        expect(single.body).toEqual(created.body);

        // Header only, then body only: each answers and announces exactly the part it wrote.
        const header2 = b64('{"title":"Plan v2"}');
        const body2 = b64('# Plan, second draft');
        const singles = [
            ['header', header2, 'expectedHeaderVersion', 'headerVersion'],
            ['body', body2, 'expectedBodyVersion', 'bodyVersion'],
        ] as const;
        for (const [part, value, expectedKey, versionKey] of singles) {
            const response = await update(me, id, { [part]: value, [expectedKey]: 1 });
            expect(response.status).toBe(200);
            expect(response.body).toEqual({ success: true, [versionKey]: 2 });
            expect(Object.keys(response.body)).toEqual(['success', versionKey]);
            const announced = await me.app.next('update', (u) => u.body.t === 'update-artifact' && u.body[part]?.version === 2);
            expect(announced.body).toEqual({ t: 'update-artifact', artifactId: id, [part]: { value, version: 2 } });
            expect(Object.keys(announced.body)).toEqual(['t', 'artifactId', part]);
            expect(Object.keys(announced.body[part])).toEqual(['value', 'version']);
        }

        // Unpadded base64 is accepted; the update echoes the client's string, reads re-encode the bytes.
        const header3 = 'eyJ0aXRsZSI6IlYzIn0';
        const body3 = b64('# Plan, final');
        const both = await update(me, id, { header: header3, expectedHeaderVersion: 2, body: body3, expectedBodyVersion: 2, extra: 'ignored' });
        expect(both.body).toEqual({ success: true, headerVersion: 3, bodyVersion: 3 });
        expect(Object.keys(both.body)).toEqual(['success', 'headerVersion', 'bodyVersion']);
        const bothUpdate = await me.app.next('update', (u) => u.body.t === 'update-artifact' && u.body.header?.version === 3);
        expect(bothUpdate.body).toEqual({ t: 'update-artifact', artifactId: id, header: { value: header3, version: 3 }, body: { value: body3, version: 3 } });
        expect(Object.keys(bothUpdate.body)).toEqual(['t', 'artifactId', 'header', 'body']);
        const storedHeader3 = `${header3}=`;

        // Mismatches name only the parts that moved on, with their current value; nothing is written.
        const staleHeader = await update(me, id, { header: b64('stale'), expectedHeaderVersion: 1, body: b64('fresh'), expectedBodyVersion: 3 });
        expect(staleHeader.status).toBe(200);
        expect(staleHeader.body).toEqual({ success: false, error: 'version-mismatch', currentHeaderVersion: 3, currentHeader: storedHeader3 });
        expect(Object.keys(staleHeader.body)).toEqual(['success', 'error', 'currentHeaderVersion', 'currentHeader']);
        const staleBody = await update(me, id, { body: b64('stale'), expectedBodyVersion: 2 });
        expect(staleBody.body).toEqual({ success: false, error: 'version-mismatch', currentBodyVersion: 3, currentBody: body3 });
        expect(Object.keys(staleBody.body)).toEqual(['success', 'error', 'currentBodyVersion', 'currentBody']);
        const staleBoth = await update(me, id, { header: b64('x'), expectedHeaderVersion: 2, body: b64('y'), expectedBodyVersion: 1 });
        expect(staleBoth.body).toEqual({
            success: false,
            error: 'version-mismatch',
            currentHeaderVersion: 3,
            currentHeader: storedHeader3,
            currentBodyVersion: 3,
            currentBody: body3,
        });
        expect(Object.keys(staleBoth.body)).toEqual(['success', 'error', 'currentHeaderVersion', 'currentHeader', 'currentBodyVersion', 'currentBody']);
        await expectUntouched(id, { header: storedHeader3, headerVersion: 3, bodyVersion: 3, seq: 3 });

        const after = await me.request('GET', `/v1/artifacts/${id}`);
        expect(after.body).toEqual({ ...created.body, header: storedHeader3, headerVersion: 3, body: body3, bodyVersion: 3, seq: 3, updatedAt: expect.any(Number) });
        expect(after.body.updatedAt).toBeGreaterThanOrEqual(created.body.updatedAt);
        expect((await me.request('GET', '/v1/artifacts')).body[0]).toMatchObject({ header: storedHeader3, headerVersion: 3, seq: 3 });

        const deleted = await me.request('DELETE', `/v1/artifacts/${id}`);
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ success: true });
        const deleteUpdate = await me.app.next('update', isUpdate('delete-artifact', id));
        expect(deleteUpdate.body).toEqual({ t: 'delete-artifact', artifactId: id });
        expect(Object.keys(deleteUpdate.body)).toEqual(['t', 'artifactId']);
        for (const gone of [
            await me.request('GET', `/v1/artifacts/${id}`),
            await me.request('DELETE', `/v1/artifacts/${id}`),
            await update(me, id, { header: b64('x'), expectedHeaderVersion: 3 }),
        ]) {
            expect(gone.status).toBe(404);
            expect(gone.body).toEqual({ error: 'Artifact not found' });
        }
        expect((await me.request('GET', '/v1/artifacts')).body).toEqual([]);

        // Only the account's user-scoped sockets hear artifacts, numbered 1, 2, 3 ... with no gap.
        // One client in sequence: the updates arrive in seq order.
        expect(me.app.updates).toEqual(await updatesBySeq(me));
        expect(me.app.updates.map((u) => u.body.t)).toEqual(['new-artifact', 'update-artifact', 'update-artifact', 'update-artifact', 'delete-artifact']);
        for (const socket of [sessionSocket, machineSocket, other.app]) {
            await roundTrip(socket);
            expect(socket.updates).toEqual([]);
        }
    });

    it('serves the socket events with upstream\'s ack shapes', async () => {
        const me = await account();
        const id = randomUUID();
        const header = b64('{"title":"Notes"}');
        const body = b64('notes');

        const created = await me.app.emitWithAck('artifact-create', { id, ...fields(header, body) });
        expect(Object.keys(created)).toEqual(['result', 'artifact']);
        expect(Object.keys(created.artifact)).toEqual(SOCKET_KEYS);
        expect(created).toEqual({
            result: 'success',
            artifact: { id, header, headerVersion: 1, body, bodyVersion: 1, seq: 0, createdAt: expect.any(Number), updatedAt: expect.any(Number) },
        });
        // The sender is a user-scoped socket, so it hears its own creation, data key included.
        const announced = await me.app.next('update', isUpdate('new-artifact', id));
        const { id: _id, ...acked } = created.artifact;
        expect(announced.body).toEqual({ t: 'new-artifact', artifactId: id, ...acked, dataEncryptionKey: KEY });
        expect(Object.keys(announced.body)).toEqual(NEW_ARTIFACT_KEYS);
        expect(await me.app.emitWithAck('artifact-create', { id, ...fields(b64('other'), b64('other')) })).toEqual(created);
        expect((await me.request('GET', `/v1/artifacts/${id}`)).body).toEqual({ ...created.artifact, dataEncryptionKey: KEY });

        const read = await me.app.emitWithAck('artifact-read', { artifactId: id });
        expect(read).toEqual(created);
        expect(Object.keys(read.artifact)).toEqual(SOCKET_KEYS);

        const header2 = b64('{"title":"Notes 2"}');
        const headerOnly = await me.app.emitWithAck('artifact-update', { artifactId: id, header: { data: header2, expectedVersion: 1 } });
        expect(headerOnly).toEqual({ result: 'success', header: { version: 2, data: header2 } });
        expect(Object.keys(headerOnly)).toEqual(['result', 'header']);
        expect(Object.keys(headerOnly.header)).toEqual(['version', 'data']);
        const headerUpdate = await me.app.next('update', (u) => u.body.t === 'update-artifact' && u.body.header?.version === 2);
        expect(headerUpdate.body).toEqual({ t: 'update-artifact', artifactId: id, header: { value: header2, version: 2 } });

        // `null` stands for an absent part, as upstream's truthiness check had it.
        const body2 = b64('notes 2');
        const bodyOnly = await me.app.emitWithAck('artifact-update', { artifactId: id, header: null, body: { data: body2, expectedVersion: 1 } });
        expect(bodyOnly).toEqual({ result: 'success', body: { version: 2, data: body2 } });
        const header3 = b64('{"title":"Notes 3"}');
        const body3 = b64('notes 3');
        const both = await me.app.emitWithAck('artifact-update', {
            artifactId: id,
            header: { data: header3, expectedVersion: 2 },
            body: { data: body3, expectedVersion: 2 },
        });
        expect(both).toEqual({ result: 'success', header: { version: 3, data: header3 }, body: { version: 3, data: body3 } });
        expect(Object.keys(both)).toEqual(['result', 'header', 'body']);

        const staleHeader = await me.app.emitWithAck('artifact-update', {
            artifactId: id,
            header: { data: b64('stale'), expectedVersion: 1 },
            body: { data: b64('fresh'), expectedVersion: 3 },
        });
        expect(staleHeader).toEqual({ result: 'version-mismatch', header: { currentVersion: 3, currentData: header3 } });
        expect(Object.keys(staleHeader)).toEqual(['result', 'header']);
        expect(Object.keys(staleHeader.header)).toEqual(['currentVersion', 'currentData']);
        const staleBoth = await me.app.emitWithAck('artifact-update', {
            artifactId: id,
            header: { data: b64('x'), expectedVersion: 2 },
            body: { data: b64('y'), expectedVersion: 2 },
        });
        expect(staleBoth).toEqual({
            result: 'version-mismatch',
            header: { currentVersion: 3, currentData: header3 },
            body: { currentVersion: 3, currentData: body3 },
        });
        expect(Object.keys(staleBoth)).toEqual(['result', 'header', 'body']);
        expect(Object.keys(staleBoth.body)).toEqual(['currentVersion', 'currentData']);
        await expectUntouched(id, { header: header3, headerVersion: 3, bodyVersion: 3, seq: 3 });
        expect((await me.app.emitWithAck('artifact-read', { artifactId: id })).artifact).toMatchObject({ header: header3, body: body3, seq: 3 });

        expect(await me.app.emitWithAck('artifact-delete', { artifactId: id })).toEqual({ result: 'success' });
        expect((await me.app.next('update', isUpdate('delete-artifact', id))).body).toEqual({ t: 'delete-artifact', artifactId: id });
        expect(await me.app.emitWithAck('artifact-read', { artifactId: id })).toEqual(NOT_FOUND);
        expect(await me.app.emitWithAck('artifact-delete', { artifactId: id })).toEqual(NOT_FOUND);
        expect(await me.app.emitWithAck('artifact-update', { artifactId: id, header: { data: b64('x'), expectedVersion: 3 } })).toEqual(NOT_FOUND);
        expect((await me.request('GET', `/v1/artifacts/${id}`)).status).toBe(404);

        // One client in sequence: the updates arrive in seq order.
        expect(me.app.updates).toEqual(await updatesBySeq(me));
        expect(me.app.updates.map((u) => u.body.t)).toEqual(['new-artifact', 'update-artifact', 'update-artifact', 'update-artifact', 'delete-artifact']);
    });

    it('creates an artifact once under concurrent creates of one id, over both transports', async () => {
        const me = await account();
        const second = await me.connect();
        const id = randomUUID();
        const attempts = await Promise.all(
            Array.from({ length: 12 }, async (_, i) => {
                const payload = { id, ...fields(b64(`header ${i}`), b64(`body ${i}`)) };
                if (i % 3 === 0) {
                    const response = await me.request('POST', '/v1/artifacts', { body: payload });
                    expect(response.status).toBe(200);
                    return withoutKey(response.body);
                }
                const ack = await (i % 3 === 1 ? me.app : second).emitWithAck('artifact-create', payload);
                expect(ack.result).toBe('success');
                return ack.artifact;
            }),
        );
        for (const artifact of attempts) expect(artifact).toEqual(attempts[0]);
        expect((await updatesBySeq(me)).map((u) => u.body.t)).toEqual(['new-artifact']);
        expect(me.app.updates[0].body.header).toBe(attempts[0]!.header);
        expect(await server.deps.db.prisma.artifact.count({ where: { id } })).toBe(1);
    });

    it('lets one account win a concurrent create race for an id and refuses it to the other', async () => {
        const first = await account();
        const second = await account();
        const id = randomUUID();
        const outcomes = await Promise.all(
            [first, second, first, second, first, second, first, second].map(async (user, i) => {
                const payload = { id, ...fields(b64(`h${i}`), b64(`b${i}`)) };
                if (i < 4) {
                    const response = await user.request('POST', '/v1/artifacts', { body: payload });
                    if (response.status === 409) expect(response.body).toEqual({ error: TAKEN });
                    return { user, ok: response.status === 200 };
                }
                const ack = await user.app.emitWithAck('artifact-create', payload);
                if (ack.result !== 'success') expect(ack).toEqual({ result: 'error', message: TAKEN });
                return { user, ok: ack.result === 'success' };
            }),
        );
        const row = await server.deps.db.prisma.artifact.findUniqueOrThrow({ where: { id } });
        const [winner, loser] = row.accountId === first.userId ? [first, second] : [second, first];
        for (const outcome of outcomes) expect(outcome.ok).toBe(outcome.user === winner);
        await roundTrip(winner.app);
        await roundTrip(loser.app);
        expect(winner.app.updates.map((u) => u.body.t)).toEqual(['new-artifact']);
        expect(loser.app.updates).toEqual([]);
    });

    it('gives each version of a header to exactly one of 50 concurrent writers and tells every loser the winner\'s value', async () => {
        const me = await account();
        const sockets = [me.app, await me.connect(), await me.connect()];
        const { id } = await create(me);

        const winners = new Map<number, string>();
        const told: Array<[number, string]> = [];
        let firstAttemptWins = 0;

        /** One attempt, over REST or a socket; the answer in a common form. */
        async function attempt(i: number, value: string, expected: number): Promise<{ won: true } | { won: false; version: number; value: string }> {
            if (i % 2 === 0) {
                const response = await update(me, id, { header: value, expectedHeaderVersion: expected });
                expect(response.status).toBe(200);
                if (response.body.success) {
                    expect(response.body).toEqual({ success: true, headerVersion: expected + 1 });
                    return { won: true };
                }
                expect(Object.keys(response.body)).toEqual(['success', 'error', 'currentHeaderVersion', 'currentHeader']);
                return { won: false, version: response.body.currentHeaderVersion, value: response.body.currentHeader };
            }
            const ack = await sockets[i % sockets.length]!.emitWithAck('artifact-update', { artifactId: id, header: { data: value, expectedVersion: expected } });
            if (ack.result === 'success') {
                expect(ack).toEqual({ result: 'success', header: { version: expected + 1, data: value } });
                return { won: true };
            }
            expect(ack.result).toBe('version-mismatch');
            expect(Object.keys(ack)).toEqual(['result', 'header']);
            return { won: false, version: ack.header.currentVersion, value: ack.header.currentData };
        }

        /** A client that retries with the version it is told until its write lands. */
        async function writer(i: number) {
            const value = b64(`{"title":"writer ${i}"}`);
            let expected = 1;
            for (let tries = 1; ; tries++) {
                const outcome = await attempt(i, value, expected);
                if (outcome.won) {
                    expect(winners.has(expected + 1)).toBe(false);
                    winners.set(expected + 1, value);
                    if (tries === 1) firstAttemptWins++;
                    return;
                }
                expect(outcome.version).toBeGreaterThan(expected);
                told.push([outcome.version, outcome.value]);
                expected = outcome.version;
            }
        }

        await Promise.all(Array.from({ length: 50 }, (_, i) => writer(i)));
        expect(firstAttemptWins).toBe(1);
        expect([...winners.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
        expect(told.length).toBeGreaterThanOrEqual(49);
        for (const [version, value] of told) expect(value).toBe(winners.get(version));
        await expectUntouched(id, { header: winners.get(51)!, headerVersion: 51, bodyVersion: 1, seq: 50 });

        // One update per successful write; in seq order, the versions count up with the winners' values.
        const updates = (await updatesBySeq(me)).filter((u) => u.body.t === 'update-artifact');
        expect(updates.map((u) => u.body.header)).toEqual([...winners.keys()].sort((a, b) => a - b).map((version) => ({ value: winners.get(version), version })));
    });

    it('lets header-only and body-only writers race without losing a seq increment', async () => {
        const me = await account();
        const { id } = await create(me);
        const rounds = 20;
        const headers = async () => {
            for (let version = 1; version <= rounds; version++) {
                const response = await update(me, id, { header: b64(`h${version}`), expectedHeaderVersion: version });
                expect(response.body).toEqual({ success: true, headerVersion: version + 1 });
            }
        };
        const bodies = async () => {
            for (let version = 1; version <= rounds; version++) {
                const ack = await me.app.emitWithAck('artifact-update', { artifactId: id, body: { data: b64(`b${version}`), expectedVersion: version } });
                expect(ack).toEqual({ result: 'success', body: { version: version + 1, data: b64(`b${version}`) } });
            }
        };
        await Promise.all([headers(), bodies()]);
        await expectUntouched(id, { header: b64(`h${rounds}`), headerVersion: rounds + 1, bodyVersion: rounds + 1, seq: 2 * rounds });
        const read = await me.request('GET', `/v1/artifacts/${id}`);
        expect(read.body).toMatchObject({ seq: 2 * rounds, body: b64(`b${rounds}`) });
        // In seq order, each part's versions count up by one: seq and version moved together.
        const updates = (await updatesBySeq(me)).filter((u) => u.body.t === 'update-artifact');
        expect(updates).toHaveLength(2 * rounds);
        for (const u of updates) expect(Object.keys(u.body)).toHaveLength(3);
        const versions = (part: string) => updates.filter((u) => u.body[part]).map((u) => u.body[part].version);
        expect(versions('header')).toEqual(Array.from({ length: rounds }, (_, i) => i + 2));
        expect(versions('body')).toEqual(Array.from({ length: rounds }, (_, i) => i + 2));
    });

    it('keeps accounts apart: another account\'s artifact looks missing and its id is taken', async () => {
        const owner = await account();
        const intruder = await account();
        const header = b64('{"title":"mine"}');
        const { id } = await create(owner, randomUUID(), header);
        const theirs = await create(intruder);

        for (const response of [
            await intruder.request('GET', `/v1/artifacts/${id}`),
            await intruder.request('DELETE', `/v1/artifacts/${id}`),
            await update(intruder, id, { header: b64('x'), expectedHeaderVersion: 1 }),
            await update(intruder, id, { header: b64('x'), expectedHeaderVersion: 2 }),
        ]) {
            expect(response.status).toBe(404);
            expect(response.body).toEqual({ error: 'Artifact not found' });
        }
        const taken = await intruder.request('POST', '/v1/artifacts', { body: { id, ...fields(b64('x'), b64('y')) } });
        expect(taken.status).toBe(409);
        expect(taken.body).toEqual({ error: TAKEN });
        expect((await intruder.request('GET', '/v1/artifacts')).body.map((a: any) => a.id)).toEqual([theirs.id]);
        expect((await owner.request('GET', '/v1/artifacts')).body.map((a: any) => a.id)).toEqual([id]);

        expect(await intruder.app.emitWithAck('artifact-read', { artifactId: id })).toEqual(NOT_FOUND);
        expect(await intruder.app.emitWithAck('artifact-update', { artifactId: id, header: { data: b64('x'), expectedVersion: 1 } })).toEqual(NOT_FOUND);
        expect(await intruder.app.emitWithAck('artifact-update', { artifactId: id, body: { data: b64('x'), expectedVersion: 5 } })).toEqual(NOT_FOUND);
        expect(await intruder.app.emitWithAck('artifact-delete', { artifactId: id })).toEqual(NOT_FOUND);
        expect(await intruder.app.emitWithAck('artifact-create', { id, ...fields(b64('x'), b64('y')) })).toEqual({ result: 'error', message: TAKEN });

        await expectUntouched(id, { header, headerVersion: 1, bodyVersion: 1, seq: 0 });
        expect((await server.deps.db.prisma.artifact.findUniqueOrThrow({ where: { id } })).accountId).toBe(owner.userId);
        expect((await owner.request('GET', `/v1/artifacts/${id}`)).body).toMatchObject({ id, header });
        await roundTrip(owner.app);
        await roundTrip(intruder.app);
        expect(owner.app.updates.map((u) => u.body.t)).toEqual(['new-artifact']);
        expect(intruder.app.updates.map((u) => [u.body.t, u.body.artifactId])).toEqual([['new-artifact', theirs.id]]);

        // Once the owner deleted it, the id is free again.
        expect((await owner.request('DELETE', `/v1/artifacts/${id}`)).status).toBe(200);
        expect((await intruder.request('POST', '/v1/artifacts', { body: { id, ...fields(b64('x'), b64('y')) } })).status).toBe(200);
    });

    it('lists the 200 most recently updated artifacts without their bodies', async () => {
        const me = await account();
        const other = await account();
        const prisma = server.deps.db.prisma;
        const base = Date.UTC(2025, 0, 1);
        const ids = Array.from({ length: 205 }, () => randomUUID());
        const row = (accountId: string, id: string, i: number) => ({
            id,
            accountId,
            header: Buffer.from(`h${i}`),
            headerVersion: 1,
            body: Buffer.from('a large body'),
            bodyVersion: 1,
            dataEncryptionKey: Buffer.from([i % 256]),
            createdAt: new Date(base),
            updatedAt: new Date(base + i * 1000),
        });
        // Stored out of order, plus a newer artifact of another account.
        await prisma.artifact.createMany({ data: ids.map((id, i) => row(me.userId, id, i)).reverse() });
        await prisma.artifact.create({ data: row(other.userId, randomUUID(), 999) });

        const list = await me.request('GET', '/v1/artifacts');
        expect(list.status).toBe(200);
        expect(list.body).toHaveLength(200);
        expect(list.body.map((a: any) => a.id)).toEqual(ids.slice(5).reverse());
        for (const artifact of list.body) expect(Object.keys(artifact)).toEqual(LIST_KEYS);
        expect(list.body[0]).toEqual({
            id: ids[204],
            header: b64('h204'),
            headerVersion: 1,
            dataEncryptionKey: Buffer.from([204]).toString('base64'),
            seq: 0,
            createdAt: base,
            updatedAt: base + 204_000,
        });
    });

    it('accepts every UUID form upstream accepted and stores the id as sent', async () => {
        const me = await account();
        const ids = [
            randomUUID().toUpperCase(),
            '00000000-0000-0000-0000-000000000000',
            'ffffffff-ffff-ffff-ffff-ffffffffffff',
            '017f22e2-79b0-7cc3-98c4-dc0c0c07398f',
            '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
        ];
        for (const id of ids) {
            expect((await create(me, id)).id).toBe(id);
            expect((await me.request('GET', `/v1/artifacts/${id}`)).body.id).toBe(id);
        }
        expect(await server.deps.db.prisma.artifact.count({ where: { id: { in: ids } } })).toBe(ids.length);
    });

    it('takes the largest legal header, body and key on both transports', async () => {
        const me = await account();
        const largest = fields('H'.repeat(HEADER_MAX), 'B'.repeat(BODY_MAX));
        largest.dataEncryptionKey = 'K'.repeat(KEY_MAX);
        const overRest = await me.request('POST', '/v1/artifacts', { body: { id: randomUUID(), ...largest } });
        expect(overRest.status).toBe(200);
        expect(overRest.body).toMatchObject(largest);
        const overSocket = await me.app.emitWithAck('artifact-create', { id: randomUUID(), ...largest }, 30_000);
        expect(overSocket.result).toBe('success');
        const updated = await update(me, overRest.body.id, { header: largest.header, expectedHeaderVersion: 1, body: largest.body, expectedBodyVersion: 1 });
        expect(updated.body).toEqual({ success: true, headerVersion: 2, bodyVersion: 2 });
    });

    /** The standard validation 400 (spec rest.md §1.7), naming what is wrong. */
    function expectValidationError(response: HttpResult, sent: unknown, text: string) {
        expect(response.status, JSON.stringify(sent).slice(0, 80)).toBe(400);
        expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
        expect(response.body).toMatchObject({ error: 'Error', statusCode: 400 });
        expect(response.body.message).toContain(text);
    }

    it('answers bad REST input with 4xx, writes nothing and keeps serving', async () => {
        const me = await account();
        const header = b64('{"title":"t"}');
        const { id } = await create(me, randomUUID(), header);
        await me.app.next('update', isUpdate('new-artifact', id));

        expect(await server.request('GET', '/v1/artifacts')).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });
        expect((await server.request('POST', `/v1/artifacts/${id}`, { token: 'nope', body: { header, expectedHeaderVersion: 1 } })).status).toBe(401);

        const fresh = randomUUID();
        const valid = { id: fresh, ...fields(header, b64('b')) };
        const badCreates: Array<[unknown, string]> = [
            [{ ...valid, id: undefined }, 'body/id'],
            [{ ...valid, header: undefined }, 'body/header'],
            [{ ...valid, body: undefined }, 'body/body'],
            [{ ...valid, dataEncryptionKey: undefined }, 'body/dataEncryptionKey'],
            [{ ...valid, id: 42 }, 'body/id'],
            [{ ...valid, id: '' }, 'body/id'],
            [{ ...valid, id: 'my-artifact' }, 'body/id'],
            [{ ...valid, id: 'a0eebc99-9c0b-0ef8-bb6d-6bb9bd380a11' }, 'body/id'],
            [{ ...valid, id: 'a0eebc99-9c0b-4ef8-cb6d-6bb9bd380a11' }, 'body/id'],
            [{ ...valid, id: `${fresh}0` }, 'body/id'],
            [{ ...valid, header: null }, 'body/header'],
            [{ ...valid, header: 7 }, 'body/header'],
            [{ ...valid, header: 'not base64!' }, 'body/header'],
            [{ ...valid, header: 'ab-_' }, 'body/header'],
            [{ ...valid, header: 'QQ=' }, 'body/header'],
            [{ ...valid, body: 'A' }, 'body/body'],
            [{ ...valid, body: 'QUJD\u0000' }, 'body/body'],
            [{ ...valid, dataEncryptionKey: '%%%%' }, 'body/dataEncryptionKey'],
            [{ ...valid, dataEncryptionKey: null }, 'body/dataEncryptionKey'],
            [{ ...valid, dataEncryptionKey: 'A'.repeat(KEY_MAX + 4) }, 'body/dataEncryptionKey'],
            [{ ...valid, header: 'A'.repeat(HEADER_MAX + 4) }, 'body/header'],
            [{ ...valid, body: 'A'.repeat(BODY_MAX + 4) }, 'body/body'],
            [[], 'body/'],
            ['text', 'body/'],
        ];
        for (const [body, part] of badCreates) expectValidationError(await me.request('POST', '/v1/artifacts', { body }), body, part);

        const badUpdates: Array<[unknown, string]> = [
            [{}, 'No updates provided'],
            [{ header }, 'body/expectedHeaderVersion'],
            [{ expectedHeaderVersion: 1 }, 'body/header'],
            [{ body: header }, 'body/expectedBodyVersion'],
            [{ expectedBodyVersion: 1 }, 'body/body'],
            [{ header, expectedHeaderVersion: 1, body: header }, 'body/expectedBodyVersion'],
            [{ header, expectedHeaderVersion: 1, expectedBodyVersion: 1 }, 'body/body'],
            [{ header, expectedHeaderVersion: -1 }, 'body/expectedHeaderVersion'],
            [{ header, expectedHeaderVersion: 1.5 }, 'body/expectedHeaderVersion'],
            [{ header, expectedHeaderVersion: '1' }, 'body/expectedHeaderVersion'],
            [{ header, expectedHeaderVersion: null }, 'body/expectedHeaderVersion'],
            [{ header, expectedHeaderVersion: 2 ** 31 - 1 }, 'body/expectedHeaderVersion'],
            [{ body: header, expectedBodyVersion: 2 ** 40 }, 'body/expectedBodyVersion'],
            [{ header: 'not base64!', expectedHeaderVersion: 1 }, 'body/header'],
            [{ header: null, expectedHeaderVersion: 1 }, 'body/header'],
            [{ body: 'A'.repeat(BODY_MAX + 4), expectedBodyVersion: 1 }, 'body/body'],
            [[], 'body/'],
        ];
        for (const [body, text] of badUpdates) expectValidationError(await update(me, id, body), body, text);
        const noBody = await me.request('POST', `/v1/artifacts/${id}`, { raw: '', headers: { 'content-type': 'application/json' } });
        expect(noBody.status).toBe(400);
        const malformed = await me.request('POST', '/v1/artifacts', { raw: '{"id":', headers: { 'content-type': 'application/json' } });
        expect(malformed).toMatchObject({ status: 400, body: { error: 'SyntaxError' } });
        const tooLarge = await me.request('POST', '/v1/artifacts', { body: { ...valid, body: 'A'.repeat(BODY_LIMIT) } });
        expect(tooLarge.status).toBe(413);
        expect((await update(me, id, { body: 'A'.repeat(BODY_LIMIT), expectedBodyVersion: 1 })).status).toBe(413);

        // Ids that cannot name an artifact: the router's 404 over 100 characters, a 400 for NUL.
        const long = await me.request('GET', `/v1/artifacts/${'x'.repeat(101)}`);
        expect(long.status).toBe(404);
        expect(long.body.error).toBe('Not found');
        expect((await me.request('GET', '/v1/artifacts/a%00b')).status).toBe(400);
        expect((await me.request('DELETE', '/v1/artifacts/a%00b')).status).toBe(400);
        expect(await me.request('GET', `/v1/artifacts/${randomUUID()}`)).toMatchObject({ status: 404, body: { error: 'Artifact not found' } });
        expect(await update(me, randomUUID(), { header, expectedHeaderVersion: 1 })).toMatchObject({ status: 404, body: { error: 'Artifact not found' } });

        // Nothing was written or announced, and the server still answers.
        expect(await server.deps.db.prisma.artifact.count({ where: { accountId: me.userId } })).toBe(1);
        await expectUntouched(id, { header, headerVersion: 1, bodyVersion: 1, seq: 0 });
        await roundTrip(me.app);
        expect(me.app.updates.map((u) => u.body.t)).toEqual(['new-artifact']);
        expect((await update(me, id, { header: b64('ok'), expectedHeaderVersion: 1 })).body).toEqual({ success: true, headerVersion: 2 });
    });

    it('acks every bad socket payload with upstream\'s error, in upstream\'s order, and keeps serving', async () => {
        const me = await account();
        const header = b64('{"title":"t"}');
        const { id } = await create(me, randomUUID(), header);
        await me.app.next('update', isUpdate('new-artifact', id));
        const part = { data: header, expectedVersion: 1 };
        const shapeless: unknown[] = [undefined, null, 'text', 42, [], {}];
        const badIds: unknown[] = ['', 7, null, 'a\u0000b', 'x'.repeat(1025)];

        for (const event of ['artifact-read', 'artifact-delete']) {
            for (const payload of [...shapeless, ...badIds.map((artifactId) => ({ artifactId }))]) {
                expect(await me.app.emitWithAck(event, payload), `${event} ${JSON.stringify(payload)?.slice(0, 60)}`).toEqual(INVALID);
            }
            expect(await me.app.emitWithAck(event, { artifactId: randomUUID() })).toEqual(NOT_FOUND);
        }

        const valid = { id: randomUUID(), ...fields(header, b64('b')) };
        const badCreates: unknown[] = [
            ...shapeless,
            { ...valid, id: undefined },
            { ...valid, id: 'my-artifact' },
            { ...valid, id: 7 },
            { ...valid, header: undefined },
            { ...valid, header: 7 },
            { ...valid, header: 'not base64!' },
            { ...valid, body: null },
            { ...valid, body: 'A' },
            { ...valid, dataEncryptionKey: 'A'.repeat(KEY_MAX + 4) },
            { ...valid, header: 'A'.repeat(HEADER_MAX + 4) },
        ];
        for (const payload of badCreates) {
            expect(await me.app.emitWithAck('artifact-create', payload), JSON.stringify(payload)?.slice(0, 80)).toEqual(INVALID);
        }

        const error = (message: string) => ({ result: 'error', message });
        const badUpdates: Array<[unknown, unknown]> = [
            ...shapeless.map((payload): [unknown, unknown] => [payload, INVALID]),
            ...badIds.map((artifactId): [unknown, unknown] => [{ artifactId, header: part }, INVALID]),
            [{ header: part }, INVALID],
            [{ artifactId: 7, header: {} }, INVALID],
            [{ artifactId: id }, error('No updates provided')],
            [{ artifactId: id, header: null, body: null }, error('No updates provided')],
            [{ artifactId: randomUUID() }, error('No updates provided')],
            [{ artifactId: id, header: {} }, error('Invalid header parameters')],
            [{ artifactId: id, header: 'text' }, error('Invalid header parameters')],
            [{ artifactId: id, header: { data: 7, expectedVersion: 1 } }, error('Invalid header parameters')],
            [{ artifactId: id, header: { data: 'not base64!', expectedVersion: 1 } }, error('Invalid header parameters')],
            [{ artifactId: id, header: { data: header, expectedVersion: '1' } }, error('Invalid header parameters')],
            [{ artifactId: id, header: { data: header, expectedVersion: -1 } }, error('Invalid header parameters')],
            [{ artifactId: id, header: { data: header, expectedVersion: 1.5 } }, error('Invalid header parameters')],
            [{ artifactId: id, header: { data: header, expectedVersion: 2 ** 31 - 1 } }, error('Invalid header parameters')],
            [{ artifactId: id, header: { data: 'A'.repeat(HEADER_MAX + 4), expectedVersion: 1 } }, error('Invalid header parameters')],
            [{ artifactId: id, header: {}, body: {} }, error('Invalid header parameters')],
            [{ artifactId: id, body: { data: 'not base64!', expectedVersion: 1 } }, error('Invalid body parameters')],
            [{ artifactId: id, header: part, body: {} }, error('Invalid body parameters')],
            [{ artifactId: id, body: { data: header } }, error('Invalid body parameters')],
            [{ artifactId: randomUUID(), header: part }, NOT_FOUND],
        ];
        for (const [payload, ack] of badUpdates) {
            expect(await me.app.emitWithAck('artifact-update', payload), JSON.stringify(payload)?.slice(0, 80)).toEqual(ack);
        }
        await expectUntouched(id, { header, headerVersion: 1, bodyVersion: 1, seq: 0 });
        await roundTrip(me.app);
        expect(me.app.updates.map((u) => u.body.t)).toEqual(['new-artifact']);

        // No ack function at all: the write still happens and nothing breaks.
        me.app.socket.emit('artifact-update', { artifactId: id, header: { data: b64('no ack'), expectedVersion: 1 } });
        expect((await me.app.next('update', (u) => u.body.header?.version === 2)).body.header.value).toBe(b64('no ack'));
        expect(await me.app.emitWithAck('ping')).toEqual({});
        expect(me.app.updates).toEqual(await updatesBySeq(me));
    });
});
