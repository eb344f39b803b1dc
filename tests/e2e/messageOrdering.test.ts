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

/**
 * The guarantees of the message path under concurrency (the group-commit appender, batches in
 * flight at once): several sockets and REST clients append to ONE session at the same time,
 * spread over `urls` (one node, or two sharing Postgres and Redis). Every message is stored
 * once with contiguous session seqs, each sender's messages keep the order it sent them in,
 * and every app and agent socket gets every update it should, exactly once, with the account's
 * update seqs forming an unbroken range.
 */
type Connect = (url: string, token: string, auth: ClientAuth) => Promise<TestSocket>;

async function appendConcurrently(urls: string[], connectAs: Connect) {
    const { token } = await login(urls[0]!);
    const sessionId = (await createSession(urls[0]!, token)).id;
    const at = (i: number) => urls[i % urls.length]!;
    const connect = (url: string, auth: ClientAuth) => connectAs(url, token, auth);
    const apps = await Promise.all(urls.map((url) => connect(url, { clientType: 'user-scoped' })));
    const senders = await Promise.all(
        Array.from({ length: SOCKETS }, (_, k) => connect(at(k + 1), { clientType: 'session-scoped', sessionId })),
    );

    // Everything at once: each socket fires its messages without waiting, REST batches in parallel.
    senders.forEach((sender, k) => {
        for (let i = 0; i < PER_SOCKET; i++) sender.socket.emit('message', { sid: sessionId, message: ciphertext(), localId: `s${k}-${i}` });
    });
    const posted = await Promise.all(
        Array.from({ length: REST_BATCHES }, (_, j) =>
            postMessages(at(j), token, sessionId, Array.from({ length: PER_BATCH }, (_, i) => ({ localId: `r${j}-${i}`, content: ciphertext() }))),
        ),
    );
    for (const response of posted) expect(response.status).toBe(200);

    for (const app of apps) await waitFor('every update at the app', () => newMessages(app).length >= TOTAL);
    for (const sender of senders) {
        await waitFor('every other update at the sender', () => newMessages(sender).length >= TOTAL - PER_SOCKET);
    }

    const stored = await request(urls[0]!, 'GET', `/v3/sessions/${sessionId}/messages?limit=500`, { token });
    const seqOf = new Map<string, number>(stored.body.messages.map((m: any) => [m.localId, m.seq]));
    expect(stored.body.messages.map((m: any) => m.seq)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
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

    for (const client of [...apps, ...senders]) {
        const received = newMessages(client);
        const ids = received.map((u) => u.body.message.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const u of received) expect(seqOf.get(u.body.message.localId)).toBe(u.body.message.seq);
    }
    for (const [k, sender] of senders.entries()) {
        expect(newMessages(sender).filter((u) => u.body.message.localId.startsWith(`s${k}-`))).toEqual([]);
    }
    for (const app of apps) {
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

describe('concurrent appends to one session, one node', () => {
    const server = useTestServer();

    it('stores each message once, in per-sender order, and delivers each update once', async () => {
        await appendConcurrently([server.url], (url, token, auth) => server.connect(token, auth, url));
    });
});

describe.skipIf(skipClusterTests)('concurrent appends to one session, two nodes', () => {
    let cluster: TestCluster;
    const open: TestSocket[] = [];
    beforeAll(async () => {
        cluster = await startTestCluster(2);
        return async () => {
            for (const client of open) client.close();
            await cluster?.dispose();
        };
    });

    it('stores each message once, in per-sender order, and delivers each update once', async () => {
        await appendConcurrently(
            cluster.nodes.map((node) => node.url),
            async (url, token, auth) => {
                const client = await connectSocket(url, token, auth);
                open.push(client);
                return client;
            },
        );
    });
});
