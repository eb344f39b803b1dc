import { describe, expect, it } from 'vitest';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { useTestServer } from '../harness/useTestServer.ts';

// The session routes the Workers-generation clients call (spec workers.md §2.4).
const SESSION_KEYS = [
    'id', 'seq', 'createdAt', 'updatedAt', 'active', 'activeAt', 'metadata', 'metadataVersion',
    'agentState', 'agentStateVersion', 'dataEncryptionKey', 'lastMessage',
];
const MESSAGE_KEYS = ['id', 'sessionId', 'localId', 'seq', 'content', 'createdAt', 'updatedAt'];
const STATE_KEYS = ['sessionId', 'state', 'stoppedAt', 'stoppedReason', 'lastActivity'];

const isNewMessage = (localId: string | null) => (u: any) => u.body.t === 'new-message' && u.body.message.localId === localId;

describe('Workers-generation session routes (spec workers.md §2.4)', () => {
    const server = useTestServer();

    async function user() {
        const account = await server.account();
        const session = await createSession(server.url, account.token);
        return { account, session };
    }

    it('GET /v1/sessions/:id answers one session in the list key order, and 404 for others', async () => {
        const { account, session } = await user();
        const other = await server.account();

        const got = await account.request('GET', `/v1/sessions/${session.id}`);
        expect(got.status).toBe(200);
        expect(Object.keys(got.body)).toEqual(['session']);
        expect(Object.keys(got.body.session)).toEqual(SESSION_KEYS);
        expect(got.body.session).toMatchObject({
            id: session.id,
            seq: 0,
            metadata: session.metadata,
            metadataVersion: 0,
            agentState: null,
            dataEncryptionKey: session.dataEncryptionKey,
            active: true,
            lastMessage: null,
        });

        expect(await other.request('GET', `/v1/sessions/${session.id}`)).toMatchObject({ status: 404, body: { error: 'Session not found' } });
        expect((await account.request('GET', '/v1/sessions/nosuchsession')).status).toBe(404);
        expect((await server.request('GET', `/v1/sessions/${session.id}`)).status).toBe(401);
    });

    it('GET /v1/sessions/:id/state reports active, then stopped after archive', async () => {
        const { account, session } = await user();
        const active = await account.request('GET', `/v1/sessions/${session.id}/state`);
        expect(active.status).toBe(200);
        expect(Object.keys(active.body)).toEqual(STATE_KEYS);
        expect(active.body).toMatchObject({ sessionId: session.id, state: 'active', stoppedAt: null, stoppedReason: null });
        expect(new Date(active.body.lastActivity).toISOString()).toBe(active.body.lastActivity);

        expect((await account.request('POST', `/v1/sessions/${session.id}/archive`)).status).toBe(200);
        const stopped = await account.request('GET', `/v1/sessions/${session.id}/state`);
        expect(stopped.body).toMatchObject({ sessionId: session.id, state: 'stopped', stoppedReason: null });
        expect(stopped.body.stoppedAt).toBe(stopped.body.lastActivity);

        const other = await server.account();
        expect(await other.request('GET', `/v1/sessions/${session.id}/state`)).toMatchObject({ status: 404, body: { error: 'Session not found' } });
    });

    it('POST /v1/sessions/:id/messages appends through the message path: seqs, localId idempotency, new-message to every socket', async () => {
        const { account, session } = await user();
        const app = await account.connect();
        const daemon = await account.connect({ clientType: 'session-scoped', sessionId: session.id });
        const c1 = ciphertext();

        const created = await account.request('POST', `/v1/sessions/${session.id}/messages`, { body: { localId: 'w-1', content: c1 } });
        expect(created.status).toBe(200);
        expect(Object.keys(created.body)).toEqual(['message']);
        expect(Object.keys(created.body.message)).toEqual(MESSAGE_KEYS);
        const message = created.body.message;
        expect(message).toMatchObject({ sessionId: session.id, localId: 'w-1', seq: 1, content: { t: 'encrypted', c: c1 } });

        // The same update the socket `message` event produces, to the app and the session's agent.
        for (const socket of [app, daemon]) {
            const update = await socket.next('update', isNewMessage('w-1'));
            expect(update.body).toEqual({
                t: 'new-message',
                sid: session.id,
                message: { id: message.id, seq: 1, content: { t: 'encrypted', c: c1 }, localId: 'w-1', createdAt: message.createdAt, updatedAt: message.updatedAt },
            });
        }

        // A retry answers with the stored message and announces nothing new.
        const retry = await account.request('POST', `/v1/sessions/${session.id}/messages`, { body: { localId: 'w-1', content: ciphertext() } });
        expect(retry.body.message).toEqual(message);

        // Already in the stored form, and without a localId; the v3 batch path numbers after it.
        const c2 = ciphertext();
        const second = await account.request('POST', `/v1/sessions/${session.id}/messages`, { body: { content: { t: 'encrypted', c: c2 } } });
        expect(second.body.message).toMatchObject({ seq: 2, localId: null, content: { t: 'encrypted', c: c2 } });
        await app.next('update', (u) => u.body.t === 'new-message' && u.body.message.id === second.body.message.id);
        const v3 = await postMessages(server.url, account.token, session.id, [{ localId: 'v3-1', content: ciphertext() }]);
        expect(v3.body.messages[0].seq).toBe(3);

        const rows = await server.deps.db.prisma.sessionMessage.findMany({ where: { sessionId: session.id }, orderBy: { seq: 'asc' } });
        expect(rows.map((r) => [r.seq, r.localId])).toEqual([[1, 'w-1'], [2, null], [3, 'v3-1']]);
        expect(rows[0]!.content).toEqual({ t: 'encrypted', c: c1 });
        expect(app.updates.filter(isNewMessage('w-1'))).toHaveLength(1);
    });

    it('POST /v1/sessions/:id/messages refuses bad input with a 400 and other accounts with a 404', async () => {
        const { account, session } = await user();
        const post = (body: unknown) => account.request('POST', `/v1/sessions/${session.id}/messages`, { body });
        for (const body of [{}, { content: 5 }, { content: { t: 'plain', c: 'x' } }, { content: { any: 'json' } }, { content: 'a\u0000b' }, { content: 'x', localId: 7 }]) {
            expect((await post(body)).status).toBe(400);
        }
        const other = await server.account();
        expect(await other.request('POST', `/v1/sessions/${session.id}/messages`, { body: { content: ciphertext() } })).toMatchObject({
            status: 404,
            body: { error: 'Session not found' },
        });
        expect(await server.deps.db.prisma.sessionMessage.count({ where: { sessionId: session.id } })).toBe(0);
    });

    it('GET /v2/sessions/:id/messages pages newest first by seq with cursor_v1_ cursors', async () => {
        const { account, session } = await user();
        const sent = Array.from({ length: 5 }, (_, i) => ({ localId: `m-${i}`, content: ciphertext() }));
        await postMessages(server.url, account.token, session.id, sent);

        const first = await account.request('GET', `/v2/sessions/${session.id}/messages?limit=2`);
        expect(first.status).toBe(200);
        expect(Object.keys(first.body)).toEqual(['messages', 'nextCursor']);
        expect(Object.keys(first.body.messages[0])).toEqual(MESSAGE_KEYS);
        expect(first.body.messages.map((m: any) => m.seq)).toEqual([5, 4]);
        expect(first.body.messages[0]).toMatchObject({ sessionId: session.id, localId: 'm-4', content: { t: 'encrypted', c: sent[4]!.content } });
        expect(first.body.nextCursor).toBe(`cursor_v1_${first.body.messages[1].id}`);

        const second = await account.request('GET', `/v2/sessions/${session.id}/messages?limit=2&cursor=${first.body.nextCursor}`);
        expect(second.body.messages.map((m: any) => m.seq)).toEqual([3, 2]);
        const last = await account.request('GET', `/v2/sessions/${session.id}/messages?limit=2&cursor=${second.body.nextCursor}`);
        expect(last.body).toMatchObject({ nextCursor: null });
        expect(last.body.messages.map((m: any) => m.seq)).toEqual([1]);

        const all = await account.request('GET', `/v2/sessions/${session.id}/messages`);
        expect(all.body.messages).toHaveLength(5);
        expect(all.body.nextCursor).toBeNull();
    });

    it('GET /v2/sessions/:id/messages refuses bad cursors and limits, and other accounts', async () => {
        const { account, session } = await user();
        const other = await user();
        await postMessages(server.url, other.account.token, other.session.id, [{ localId: 'x', content: ciphertext() }]);
        const foreignId = (await server.deps.db.prisma.sessionMessage.findFirstOrThrow({ where: { sessionId: other.session.id } })).id;
        const get = (query: string) => account.request('GET', `/v2/sessions/${session.id}/messages${query}`);

        expect(await get('?cursor=abc')).toMatchObject({ status: 400, body: { error: 'Invalid cursor format' } });
        // A message of another session (of another account) is no place to continue from.
        expect(await get(`?cursor=cursor_v1_${foreignId}`)).toMatchObject({ status: 400, body: { error: 'Invalid cursor format' } });
        for (const limit of ['0', '201', 'x', '1.5']) expect((await get(`?limit=${limit}`)).status).toBe(400);
        expect(await other.account.request('GET', `/v2/sessions/${session.id}/messages`)).toMatchObject({ status: 404, body: { error: 'Session not found' } });
    });
});
