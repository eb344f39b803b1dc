import { beforeAll, describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { connectSocket, roundTrip } from '../harness/socketClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';

const LIST_KEYS = ['id', 'seq', 'createdAt', 'updatedAt', 'active', 'activeAt', 'metadata', 'metadataVersion', 'agentState', 'agentStateVersion', 'dataEncryptionKey'];
const CREATED_KEYS = ['id', 'seq', 'metadata', 'metadataVersion', 'agentState', 'agentStateVersion', 'dataEncryptionKey', 'active', 'activeAt', 'createdAt', 'updatedAt', 'lastMessage'];

describe('sessions over REST (spec rest.md §3.1)', () => {
    const server = useTestServer();
    let token: string;
    beforeAll(async () => {
        ({ token } = await server.account());
    });

    it('creates a session once per tag and announces it to the apps only', async () => {
        const app = await connectSocket(server.url, token);
        const metadata = ciphertext();
        const dataEncryptionKey = ciphertext(32);
        const body = { tag: 'cli-tag-1', metadata, agentState: 'ignored', dataEncryptionKey };
        const first = await request(server.url, 'POST', '/v1/sessions', { token, body });
        expect(first.status).toBe(200);
        const session = first.body.session;
        expect(Object.keys(session)).toEqual(CREATED_KEYS);
        expect(session).toMatchObject({
            seq: 0, metadata, metadataVersion: 0, agentState: null, agentStateVersion: 0,
            dataEncryptionKey, active: true, lastMessage: null,
        });

        const update = await app.next('update', (u) => u.body.t === 'new-session');
        expect(Object.keys(update)).toEqual(['id', 'seq', 'body', 'createdAt']);
        expect(update.id).toMatch(/^[A-Za-z0-9]{12}$/);
        expect(Object.keys(update.body)).toEqual(['t', ...CREATED_KEYS.slice(0, -1)]);
        expect(update.body).toMatchObject({ t: 'new-session', id: session.id, metadata, dataEncryptionKey });

        const again = await request(server.url, 'POST', '/v1/sessions', { token, body: { ...body, metadata: 'other' } });
        expect(again.body.session).toEqual(session);
        await roundTrip(app);
        expect(app.updates.filter((u) => u.body.t === 'new-session')).toHaveLength(1);
        app.close();
    });

    it('answers concurrent creates of one tag with the same session and one announcement', async () => {
        const app = await connectSocket(server.url, token);
        const body = { tag: 'raced-tag', metadata: ciphertext() };
        const results = await Promise.all(Array.from({ length: 8 }, () => request(server.url, 'POST', '/v1/sessions', { token, body })));
        expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
        expect(new Set(results.map((r) => r.body.session.id)).size).toBe(1);
        await app.next('update', (u) => u.body.t === 'new-session' && u.body.id === results[0]!.body.session.id);
        await roundTrip(app);
        expect(app.updates.filter((u) => u.body.t === 'new-session')).toHaveLength(1);
        app.close();
    });

    it('lists sessions in the three upstream shapes', async () => {
        const { token: own } = await login(server.url);
        const created = [];
        for (let i = 0; i < 5; i++) created.push(await createSession(server.url, own));

        const v1 = await request(server.url, 'GET', '/v1/sessions', { token: own });
        expect(v1.status).toBe(200);
        expect(v1.body.sessions).toHaveLength(5);
        expect(Object.keys(v1.body.sessions[0])).toEqual([...LIST_KEYS, 'lastMessage']);

        const active = await request(server.url, 'GET', '/v2/sessions/active?limit=2', { token: own });
        expect(active.body.sessions).toHaveLength(2);
        expect(Object.keys(active.body.sessions[0])).toEqual(LIST_KEYS);

        const page1 = await request(server.url, 'GET', '/v2/sessions?limit=3', { token: own });
        expect(page1.body).toMatchObject({ hasNext: true });
        expect(page1.body.nextCursor).toBe(`cursor_v1_${page1.body.sessions[2].id}`);
        const page2 = await request(server.url, 'GET', `/v2/sessions?limit=3&cursor=${page1.body.nextCursor}`, { token: own });
        expect(page2.body).toMatchObject({ hasNext: false, nextCursor: null });
        const paged = [...page1.body.sessions, ...page2.body.sessions].map((s: { id: string }) => s.id);
        expect(paged).toEqual(created.map((s) => s.id).sort().reverse());

        const changed = await request(server.url, 'GET', `/v2/sessions?changedSince=${Date.now() + 60_000}`, { token: own });
        expect(changed.body.sessions).toEqual([]);
        expect(await request(server.url, 'GET', '/v2/sessions?cursor=bogus', { token: own })).toMatchObject({
            status: 400,
            body: { error: 'Invalid cursor format' },
        });
        expect((await request(server.url, 'GET', '/v2/sessions/active?limit=501', { token: own })).status).toBe(400);
    });

    it('archives and deletes only the caller\'s sessions', async () => {
        const session = await createSession(server.url, token);
        const intruder = (await login(server.url)).token;
        expect(await request(server.url, 'POST', `/v1/sessions/${session.id}/archive`, { token: intruder })).toMatchObject({
            status: 404, body: { error: 'Session not found' },
        });
        expect(await request(server.url, 'DELETE', `/v1/sessions/${session.id}`, { token: intruder })).toMatchObject({
            status: 404, body: { error: 'Session not found or not owned by user' },
        });

        const app = await connectSocket(server.url, token);
        const cli = await connectSocket(server.url, token, { clientType: 'session-scoped', sessionId: session.id });
        expect(await request(server.url, 'POST', `/v1/sessions/${session.id}/archive`, { token })).toMatchObject({
            status: 200, body: { success: true },
        });
        const activity = await app.next('ephemeral', (e) => e.type === 'activity' && e.id === session.id);
        expect(Object.keys(activity)).toEqual(['type', 'id', 'active', 'activeAt', 'thinking']);
        expect(activity).toMatchObject({ active: false, thinking: false });
        expect((await server.deps.db.prisma.session.findUniqueOrThrow({ where: { id: session.id } })).active).toBe(false);

        await postMessages(server.url, token, session.id, [{ localId: 'l1', content: ciphertext() }]);
        expect(await request(server.url, 'DELETE', `/v1/sessions/${session.id}`, { token })).toMatchObject({
            status: 200, body: { success: true },
        });
        const deleted = await app.next('update', (u) => u.body.t === 'delete-session');
        expect(deleted.body).toEqual({ t: 'delete-session', sid: session.id });
        await roundTrip(cli);
        expect(cli.updates.some((u) => u.body.t === 'delete-session')).toBe(false);
        expect(await server.deps.db.prisma.sessionMessage.count({ where: { sessionId: session.id } })).toBe(0);
        expect((await request(server.url, 'DELETE', `/v1/sessions/${session.id}`, { token })).status).toBe(404);
        app.close();
        cli.close();
    });

    it('validates bodies before anything else', async () => {
        expect((await request(server.url, 'POST', '/v1/sessions', { token, body: { tag: 5 } })).body.message).toMatch(/^body\/tag /);
        expect((await request(server.url, 'POST', '/v1/sessions', { token, body: { tag: 'x' } })).status).toBe(400);
        expect((await request(server.url, 'GET', '/v1/sessions')).status).toBe(401);
        // A NUL byte cannot be stored: a 400, not a database error.
        expect((await request(server.url, 'POST', '/v1/sessions', { token, body: { tag: 'nul', metadata: 'a\u0000b' } })).status).toBe(400);
    });
});

describe('session messages v3 (spec rest.md §3.2)', () => {
    const server = useTestServer();
    let token: string;
    let sessionId: string;
    beforeAll(async () => {
        ({ token } = await server.account());
        sessionId = (await createSession(server.url, token)).id;
    });

    it('appends a batch with contiguous seqs, dedupes by localId and is safe to retry', async () => {
        const batch = [
            { localId: 'a', content: ciphertext() },
            { localId: 'b', content: ciphertext() },
            { localId: 'a', content: 'duplicate in batch' },
            { localId: 'c', content: ciphertext() },
        ];
        const first = await postMessages(server.url, token, sessionId, batch);
        expect(first.status).toBe(200);
        expect(first.body.messages.map((m: any) => [m.localId, m.seq])).toEqual([['a', 1], ['b', 2], ['c', 3]]);
        expect(Object.keys(first.body.messages[0])).toEqual(['id', 'seq', 'localId', 'createdAt', 'updatedAt']);

        const retry = await postMessages(server.url, token, sessionId, [...batch, { localId: 'd', content: ciphertext() }]);
        expect(retry.body.messages.slice(0, 3)).toEqual(first.body.messages);
        expect(retry.body.messages[3]).toMatchObject({ localId: 'd', seq: 4 });

        const stored = await server.deps.db.prisma.sessionMessage.findFirstOrThrow({ where: { sessionId, localId: 'a' } });
        expect(stored.content).toEqual({ t: 'encrypted', c: batch[0]!.content });
    });

    it('gives concurrent duplicates the same rows instead of a 500', async () => {
        const messages = Array.from({ length: 5 }, (_, i) => ({ localId: `race-${i}`, content: ciphertext() }));
        const results = await Promise.all(Array.from({ length: 6 }, () => postMessages(server.url, token, sessionId, messages)));
        expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
        for (const result of results) expect(result.body).toEqual(results[0]!.body);
        expect(await server.deps.db.prisma.sessionMessage.count({ where: { sessionId, localId: { startsWith: 'race-' } } })).toBe(5);
    });

    it('reads forward, backward and legacy, with exact shapes', async () => {
        const forward = await request(server.url, 'GET', `/v3/sessions/${sessionId}/messages?after_seq=1&limit=2`, { token });
        expect(forward.body.hasMore).toBe(true);
        expect(forward.body.messages.map((m: any) => m.seq)).toEqual([2, 3]);
        expect(Object.keys(forward.body.messages[0])).toEqual(['id', 'seq', 'content', 'localId', 'createdAt', 'updatedAt']);
        expect(forward.body.messages[0].content).toMatchObject({ t: 'encrypted' });

        const all = await request(server.url, 'GET', `/v3/sessions/${sessionId}/messages`, { token });
        const seqs = all.body.messages.map((m: any) => m.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect(all.body.hasMore).toBe(false);

        const backward = await request(server.url, 'GET', `/v3/sessions/${sessionId}/messages?before_seq=4&limit=10`, { token });
        expect(backward.body.messages.map((m: any) => m.seq)).toEqual([3, 2, 1]);
        const beyond = await request(server.url, 'GET', `/v3/sessions/${sessionId}/messages?after_seq=10000`, { token });
        expect(beyond.body).toEqual({ messages: [], hasMore: false });

        const both = await request(server.url, 'GET', `/v3/sessions/${sessionId}/messages?after_seq=1&before_seq=3`, { token });
        expect(both.status).toBe(400);
        expect(both.body.message).toMatch(/after_seq and before_seq are mutually exclusive/);
        expect((await request(server.url, 'GET', `/v3/sessions/${sessionId}/messages?limit=0`, { token })).status).toBe(400);

        const legacy = await request(server.url, 'GET', `/v1/sessions/${sessionId}/messages`, { token });
        expect(legacy.body.messages[0].seq).toBe(seqs.length);
        expect(Object.keys(legacy.body.messages[0])).toEqual(['id', 'seq', 'content', 'localId', 'createdAt', 'updatedAt']);
    });

    it('keeps other accounts out', async () => {
        const { token: intruder } = await login(server.url);
        for (const [method, path] of [['GET', `/v3/sessions/${sessionId}/messages`], ['GET', `/v1/sessions/${sessionId}/messages`]] as const) {
            expect(await request(server.url, method, path, { token: intruder })).toMatchObject({ status: 404, body: { error: 'Session not found' } });
        }
        const post = await postMessages(server.url, intruder, sessionId, [{ localId: 'evil', content: 'x' }]);
        expect(post).toMatchObject({ status: 404, body: { error: 'Session not found' } });
        expect(await server.deps.db.prisma.sessionMessage.count({ where: { localId: 'evil' } })).toBe(0);
    });

    it('rejects malformed batches with 400', async () => {
        const bad = [
            { messages: [] },
            { messages: [{ content: 1, localId: 'x' }] },
            { messages: [{ content: 'x', localId: '' }] },
            { messages: Array.from({ length: 101 }, (_, i) => ({ content: 'x', localId: `${i}` })) },
            { nothing: true },
            { messages: [{ content: 'nul \u0000 byte', localId: 'x' }] },
            { messages: [{ content: 'lone \ud800 surrogate', localId: 'x' }] },
        ];
        for (const body of bad) {
            expect((await request(server.url, 'POST', `/v3/sessions/${sessionId}/messages`, { token, body })).status).toBe(400);
        }
    });
});
