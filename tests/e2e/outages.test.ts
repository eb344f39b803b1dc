import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { login, loginBody, newAccountKeys } from '../harness/keyClient.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { openNative, upgradeResult } from '../harness/nativeClient.ts';
import { connectError, connectSocket, type ClientAuth, type TestSocket } from '../harness/socketClient.ts';
import { startS3Server, type S3TestServer } from '../harness/s3Server.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcpProxy.ts';
import { form } from '../harness/uploads.ts';
import { createTestDatabase, usesPostgres } from '../harness/testDatabase.ts';
import { startTestServer, type TestServer } from '../harness/testServer.ts';
import { waitFor } from '../harness/waitFor.ts';

/** What every request that needed the database gets while it is gone. */
const UNAVAILABLE = { error: 'Service Unavailable', message: 'Database unavailable, try again shortly', statusCode: 503 };
const STORE_UNAVAILABLE = { error: 'Service Unavailable', message: 'File storage unavailable, try again shortly', statusCode: 503 };
const ERROR_ACK = { result: 'error', message: 'Service unavailable' };

type Outcome = { stored: true; sessionId: string; seq: number } | { stored: false };

/**
 * The two ways a dependency goes away: it refuses (stopped: connections are reset and refused)
 * or it goes silent (a black hole: connections are accepted and held, and nothing ever comes
 * back, which only the server's own deadlines can find). The nodes run with short deadlines
 * (1 s per statement, 1 s of silence from S3) so that a silent outage shows within the waits.
 */
interface Outage {
    name: string;
    begin(line: TcpProxy): Promise<void> | void;
    end(line: TcpProxy): Promise<void> | void;
}
const OUTAGES: Outage[] = [
    { name: 'stopped and restarted', begin: (line) => line.cut(), end: (line) => line.restore() },
    { name: 'silent (a black hole) and back', begin: (line) => line.blackhole(), end: (line) => line.forward() },
];
const SHORT_DEADLINES = { DATABASE_QUERY_TIMEOUT_MS: '1000', S3_IDLE_TIMEOUT_MS: '1000' };

/** Every request of these tests is answered within this, outage or not: a hang fails naming it. */
const ANSWER_WITHIN_MS = 20_000;
/** A native socket authenticating in-band (spec workers.md §1.4): its auth-error and close code. */
async function nativeAuthOutcome(url: string, token: string) {
    const client = await openNative(url);
    client.emit('auth', { token });
    const authError = await client.next('auth-error', undefined, ANSWER_WITHIN_MS);
    return { authError, close: (await client.closed).code };
}

function answered<T>(what: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms: ${what}`)), ANSWER_WITHIN_MS);
    });
    return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}
const get = (url: string, path: string, token?: string) => answered(`GET ${path}`, request(url, 'GET', path, { token }));

/**
 * Postgres gone (stopped, or silent) and back while clients keep appending messages: the node
 * reaches it through a proxy the test cuts or turns into a black hole, then restores (the shared
 * Postgres is left alone). Generous waits bound every step, so "fail fast" means: each request
 * is answered (503, an error ack), none hangs until the test's own timeout.
 */
describe.skipIf(!usesPostgres()).each(OUTAGES)('Postgres $name under message load', (outage) => {
    let line: TcpProxy;
    let node: TestServer;
    const open: TestSocket[] = [];

    beforeAll(async () => {
        const database = await createTestDatabase();
        const url = new URL(database.env.DATABASE_URL!);
        line = await startTcpProxy(Number(url.port || 5432));
        url.host = `127.0.0.1:${line.port}`;
        const dataDir = await mkdtemp(join(tmpdir(), 'happy-outage-'));
        node = await startTestServer({ reuse: { database, dataDir }, env: { DATABASE_URL: url.toString(), ...SHORT_DEADLINES } });
    });
    afterAll(async () => {
        for (const client of open) client.close();
        line?.forward();
        await line?.restore().catch(() => {});
        await node?.dispose();
        await line?.close();
    });

    async function connect(token: string, auth: ClientAuth) {
        const client = await connectSocket(node.url, token, auth);
        open.push(client);
        return client;
    }

    it('answers 503 and error acks while it is gone, drops no append, and recovers by itself', { timeout: 90_000 }, async () => {
        const { token } = await login(node.url);
        // Never used before the outage: the node has not read its account's revocation cutoff.
        const { token: unchecked } = await login(node.url);
        const sessionIds = [(await createSession(node.url, token)).id, (await createSession(node.url, token)).id];
        const agents = await Promise.all(sessionIds.map((sessionId) => connect(token, { clientType: 'session-scoped', sessionId })));

        const outcomes = new Map<string, Outcome>();
        const count = (stored: boolean, via?: 's' | 'h') =>
            [...outcomes].filter(([localId, o]) => o.stored === stored && (!via || localId.startsWith(via))).length;
        let stop = false;

        // Every message gets an answer within the bound: a stored seq, or an error. Never silence.
        const socketWorker = async (k: number, w: number) => {
            for (let n = 0; !stop; n++) {
                const localId = `s${k}-w${w}-${n}`;
                const ack = await agents[k]!.emitWithAck('message', { sid: sessionIds[k], message: ciphertext(), localId }, 20_000);
                if (ack.result === 'success') outcomes.set(localId, { stored: true, sessionId: sessionIds[k]!, seq: ack.seq });
                else {
                    expect(ack).toEqual(ERROR_ACK);
                    outcomes.set(localId, { stored: false });
                    await sleep(20);
                }
            }
        };
        const restWorker = async (k: number) => {
            for (let n = 0; !stop; n++) {
                const batch = [0, 1, 2].map((i) => ({ localId: `h${k}-${n}-${i}`, content: ciphertext() }));
                const response = await answered('POST messages', postMessages(node.url, token, sessionIds[k]!, batch));
                if (response.status === 200) {
                    for (const m of response.body.messages) outcomes.set(m.localId, { stored: true, sessionId: sessionIds[k]!, seq: m.seq });
                } else {
                    expect({ status: response.status, body: response.body }).toEqual({ status: 503, body: UNAVAILABLE });
                    expect(response.headers.get('retry-after')).toBe('5');
                    for (const { localId } of batch) outcomes.set(localId, { stored: false });
                    await sleep(20);
                }
            }
        };
        const load = Promise.all(sessionIds.flatMap((_, k) => [socketWorker(k, 0), socketWorker(k, 1), restWorker(k)]));

        await waitFor('appends before the outage', () => count(true) >= 40 || stop);
        await outage.begin(line);
        await waitFor('appends refused on both transports', () => (count(false, 's') >= 5 && count(false, 'h') >= 5) || stop, 30_000);

        // Everything else that needs the database says so too, and the process stays up (all at
        // once: while Postgres is silent, each waits out a deadline).
        // The user search is a raw statement outside a transaction (Prisma wraps its failures as P2010).
        const paths = ['/v1/sessions', `/v3/sessions/${sessionIds[0]}/messages?after_seq=0`, '/v1/account/profile', '/v1/user/search?query=ab'];
        const [pages, unverified, handshake, nativeUpgrade, nativeInBand, auth, metadataAck, health, ready, banner] = await Promise.all([
            Promise.all(paths.map((path) => get(node.url, path, token))),
            get(node.url, '/v1/sessions', unchecked),
            answered('socket handshake', connectError(node.url, { token: unchecked })),
            answered('native upgrade', upgradeResult(node.url, { query: { token: unchecked } })),
            answered('native auth message', nativeAuthOutcome(node.url, unchecked)),
            answered('POST /v1/auth', request(node.url, 'POST', '/v1/auth', { body: loginBody(newAccountKeys()) })),
            agents[0]!.emitWithAck('update-metadata', { sid: sessionIds[0], metadata: ciphertext(), expectedVersion: 0 }, ANSWER_WITHIN_MS),
            get(node.url, '/health'),
            get(node.url, '/ready'),
            get(node.url, '/'),
        ]);
        for (const [i, response] of pages.entries()) {
            const answer = { path: paths[i], status: response.status, retryAfter: response.headers.get('retry-after'), body: response.body };
            expect(answer).toEqual({ path: paths[i], status: 503, retryAfter: '5', body: UNAVAILABLE });
        }
        // Checking a token needs the database too (its revocation cutoff): an outage, not a bad
        // token, which a client would answer by dropping its credentials.
        expect({ status: unverified.status, body: unverified.body }).toEqual({ status: 503, body: UNAVAILABLE });
        expect(handshake).toBe('Service unavailable');
        expect(nativeUpgrade).toEqual({ status: 503, body: 'Service unavailable' });
        // Close 1013 (try again later), not 4001, after which the CLI would give up on its token.
        expect(nativeInBand).toEqual({ authError: { code: 1013, message: 'Service unavailable', timestamp: expect.any(Number) }, close: 1013 });
        expect({ status: auth.status, body: auth.body }).toEqual({ status: 503, body: UNAVAILABLE });
        expect(metadataAck).toMatchObject({ result: 'error' });
        expect({ status: health.status, error: health.body.error }).toEqual({ status: 503, error: 'Database connectivity failed' });
        expect({ status: ready.status, body: ready.body }).toMatchObject({ status: 503, body: { database: 'down', down: ['database'] } });
        // What needs no database still answers: the process is up.
        expect(banner.status).toBe(200);

        await outage.end(line);
        await waitFor('the node to be ready again', async () => (await get(node.url, '/ready')).status === 200, 30_000);
        const storedBefore = count(true);
        await waitFor('appends after the outage', () => count(true) >= storedBefore + 40 || stop, 30_000);
        stop = true;
        await load;

        // Stored ones are there once under the seq they were acknowledged with, seqs have no gap,
        // and a refused one is stored at most once (a commit whose answer was lost counts).
        for (const sessionId of sessionIds) {
            const stored = await readAll(node.url, token, sessionId);
            expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
            const seqOf = new Map(stored.map((m) => [m.localId as string, m.seq as number]));
            expect(seqOf.size).toBe(stored.length);
            const lost = [...outcomes].filter(([localId, o]) => o.stored && o.sessionId === sessionId && seqOf.get(localId) !== o.seq);
            expect(lost).toEqual([]);
            expect([...seqOf.keys()].filter((localId) => !outcomes.has(localId))).toEqual([]);
        }
        expect(count(false)).toBeGreaterThanOrEqual(10);
    });
});

/**
 * The S3 store gone (stopped, or silent) and back (s3rver behind a proxy the test cuts or turns
 * into a black hole): uploads and downloads answer 503 naming nothing internal, /ready names
 * blobStore, and both work again once it is back. Messages and everything else that does not
 * touch the store go on meanwhile.
 */
describe.each(OUTAGES)('an S3 store $name', (outage) => {
    let s3: S3TestServer;
    let line: TcpProxy;
    let node: TestServer;

    beforeAll(async () => {
        s3 = await startS3Server();
        line = await startTcpProxy(Number(s3.env.S3_PORT));
        node = await startTestServer({
            env: { ...s3.env, S3_PORT: String(line.port), S3_PUBLIC_URL: `${line.url('http')}/happy-test`, ...SHORT_DEADLINES },
        });
    });
    afterAll(async () => {
        line?.forward();
        await line?.restore().catch(() => {});
        await node?.dispose();
        await line?.close();
        await s3?.close();
    });

    it('answers 503 on uploads and downloads while it is gone, and serves them again once back', { timeout: 90_000 }, async () => {
        const { token } = await login(node.url);
        const upload = (text: string) =>
            answered(
                'POST /v1/uploads',
                fetch(`${node.url}/v1/uploads`, {
                    method: 'POST',
                    headers: { authorization: `Bearer ${token}` },
                    body: form({}, { bytes: Buffer.from(text), type: 'text/plain', name: 'notes.txt' }),
                }).then(async (response) => ({ status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() })),
            );
        const download = (id: string) => get(node.url, `/v1/uploads/${id}/download`, token);

        const before: any = await upload('before the outage');
        expect(before.status).toBe(200);
        expect((await download(before.body.file.id)).text).toBe('before the outage');

        await outage.begin(line);
        const refused = await upload('during the outage');
        // POST /v1/uploads keeps its own failure body (spec workers.md), as a 503.
        expect(refused).toEqual({ status: 503, retryAfter: '5', body: { success: false, error: 'Upload failed', code: 'upload-failed' } });
        const unreadable = await download(before.body.file.id);
        expect({ status: unreadable.status, body: unreadable.body }).toEqual({ status: 503, body: STORE_UNAVAILABLE });
        expect(unreadable.headers.get('retry-after')).toBe('5');
        const ready = await get(node.url, '/ready');
        expect({ status: ready.status, body: ready.body }).toMatchObject({ status: 503, body: { database: 'up', blobStore: 'down', down: ['blobStore'] } });
        // What does not need the store carries on.
        const sessionId = (await createSession(node.url, token)).id;
        expect((await postMessages(node.url, token, sessionId, [{ localId: 'during', content: ciphertext() }])).status).toBe(200);
        // The refused upload left no row behind.
        expect((await get(node.url, '/v1/uploads', token)).body.files.map((f: any) => f.id)).toEqual([before.body.file.id]);
        expect((await get(node.url, '/health')).status).toBe(200);

        await outage.end(line);
        await waitFor('the store to be ready again', async () => (await get(node.url, '/ready')).status === 200, 30_000);
        expect((await download(before.body.file.id)).text).toBe('before the outage');
        const after: any = await upload('after the outage');
        expect(after.status).toBe(200);
        expect((await download(after.body.file.id)).text).toBe('after the outage');
    });
});

async function readAll(url: string, token: string, sessionId: string): Promise<any[]> {
    const messages: any[] = [];
    for (let after = 0; ; ) {
        const page = await request(url, 'GET', `/v3/sessions/${sessionId}/messages?after_seq=${after}&limit=500`, { token });
        expect(page.status).toBe(200);
        messages.push(...page.body.messages);
        if (!page.body.hasMore) return messages;
        after = page.body.messages.at(-1).seq;
    }
}
