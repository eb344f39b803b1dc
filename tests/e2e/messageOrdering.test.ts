import { beforeAll, describe, expect, it } from 'vitest';
import { login } from '../harness/keyClient.ts';
import { request } from '../harness/http.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { connectSocket, type ClientAuth, type TestSocket } from '../harness/socketClient.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';
import { useTestServer } from '../harness/useTestServer.ts';
import { waitFor } from '../harness/waitFor.ts';

const SOCKETS = 4;
const PER_SOCKET = 40;
const REST_BATCHES = 8;
const PER_BATCH = 5;
const TOTAL = SOCKETS * PER_SOCKET + REST_BATCHES * PER_BATCH;

const newMessages = (client: TestSocket) => client.updates.filter((u) => u.body.t === 'new-message');

type Connect = (url: string, token: string, auth: ClientAuth) => Promise<TestSocket>;

/**
 * The guarantees of the message path under concurrency (the group-commit appender, several
 * batches in flight): sockets and REST clients of one account append at the same time to
 * `sessions` sessions (sender k to session k mod `sessions`), spread over `urls` (one node, or
 * two sharing Postgres and Redis). Every message is stored once with contiguous seqs per
 * session, each sender's messages keep the order it sent them in, and every app and agent
 * socket gets every update it should, exactly once, the account's update seqs forming an
 * unbroken range (on one node, in order).
 */
async function appendConcurrently(urls: string[], sessions: number, connectAs: Connect) {
    const { token } = await login(urls[0]!);
    const sessionIds = await Promise.all(Array.from({ length: sessions }, () => createSession(urls[0]!, token).then((s) => s.id)));
    const sessionOf = (k: number) => sessionIds[k % sessions]!;
    const at = (i: number) => urls[i % urls.length]!;
    const connect = (url: string, auth: ClientAuth) => connectAs(url, token, auth);
    const apps = await Promise.all(urls.map((url) => connect(url, { clientType: 'user-scoped' })));
    const senders = await Promise.all(
        Array.from({ length: SOCKETS }, (_, k) => connect(at(k + 1), { clientType: 'session-scoped', sessionId: sessionOf(k) })),
    );

    // Everything at once: each socket fires its messages without waiting, REST batches in parallel.
    senders.forEach((sender, k) => {
        for (let i = 0; i < PER_SOCKET; i++) sender.socket.emit('message', { sid: sessionOf(k), message: ciphertext(), localId: `s${k}-${i}` });
    });
    const posted = await Promise.all(
        Array.from({ length: REST_BATCHES }, (_, j) =>
            postMessages(at(j), token, sessionOf(j), Array.from({ length: PER_BATCH }, (_, i) => ({ localId: `r${j}-${i}`, content: ciphertext() }))),
        ),
    );
    for (const response of posted) expect(response.status).toBe(200);

    for (const app of apps) await waitFor('every update at the app', () => newMessages(app).length >= TOTAL);
    // A sender gets the updates of its session, except its own messages.
    const expectedAt = (k: number) => senders.filter((_, o) => sessionOf(o) === sessionOf(k) && o !== k).length * PER_SOCKET
        + posted.filter((_, j) => sessionOf(j) === sessionOf(k)).length * PER_BATCH;
    for (const [k, sender] of senders.entries()) {
        await waitFor('every other update of its session at the sender', () => newMessages(sender).length >= expectedAt(k));
    }

    const seqOf = new Map<string, number>();
    for (const sessionId of sessionIds) {
        const stored = await request(urls[0]!, 'GET', `/v3/sessions/${sessionId}/messages?limit=500`, { token });
        const seqs = stored.body.messages.map((m: any) => m.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        for (const m of stored.body.messages) seqOf.set(m.localId, m.seq);
    }
    expect(seqOf.size).toBe(TOTAL);

    // Arrival order per sender: a socket's messages, and a REST batch's, in the order sent.
    for (let k = 0; k < SOCKETS; k++) {
        const seqs = Array.from({ length: PER_SOCKET }, (_, i) => seqOf.get(`s${k}-${i}`)!);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    posted.forEach((response) => {
        const seqs = response.body.messages.map((m: any) => m.seq);
        expect(seqs).toEqual(Array.from({ length: PER_BATCH }, (_, i) => seqs[0] + i));
    });

    for (const [k, sender] of senders.entries()) {
        const received = newMessages(sender);
        expect(received).toHaveLength(expectedAt(k));
        expect(received.every((u) => u.body.sid === sessionOf(k) && !u.body.message.localId.startsWith(`s${k}-`))).toBe(true);
    }
    for (const client of [...apps, ...senders]) {
        const received = newMessages(client);
        expect(new Set(received.map((u) => u.body.message.id)).size).toBe(received.length);
        for (const u of received) expect(seqOf.get(u.body.message.localId)).toBe(u.body.message.seq);
    }
    for (const app of apps) {
        expect(newMessages(app)).toHaveLength(TOTAL);
        const seqs = newMessages(app).map((u) => u.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: TOTAL }, (_, i) => seqs[0] + i));
    }
    // On one node, each socket also sees the update seqs in order.
    if (urls.length === 1) {
        for (const client of [...apps, ...senders]) {
            const seqs = newMessages(client).map((u) => u.seq);
            expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        }
    }
}

describe('concurrent appends, one node', () => {
    const server = useTestServer();
    const connect: Connect = (url, token, auth) => server.connect(token, auth, url);

    it('to one session: stored once, in per-sender order, each update delivered once', async () => {
        await appendConcurrently([server.url], 1, connect);
    });

    it('to several sessions of one account: the same, and the account seqs in order', async () => {
        await appendConcurrently([server.url], 3, connect);
    });
});

describe.skipIf(skipClusterTests)('concurrent appends, two nodes', () => {
    let cluster: TestCluster;
    const open: TestSocket[] = [];
    const connect: Connect = async (url, token, auth) => {
        const client = await connectSocket(url, token, auth);
        open.push(client);
        return client;
    };
    beforeAll(async () => {
        cluster = await startTestCluster(2);
        return async () => {
            for (const client of open) client.close();
            await cluster?.dispose();
        };
    });

    it('to one session: stored once, in per-sender order, each update delivered once', async () => {
        await appendConcurrently(cluster.nodes.map((node) => node.url), 1, connect);
    });

    it('to several sessions of one account: the same', async () => {
        await appendConcurrently(cluster.nodes.map((node) => node.url), 3, connect);
    });
});
