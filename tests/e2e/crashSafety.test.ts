import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { spawnServer, type ServerProcess } from '../harness/serverProcess.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { connectSocket, type TestSocket } from '../harness/socketClient.ts';
import { createTestDatabase, usesPostgres, type TestDatabase } from '../harness/testDatabase.ts';

const ROUNDS = 3;
const SESSIONS = 2;
/** Concurrent awaiting senders per session socket, and REST posters per session. */
const SOCKET_WORKERS = 3;
const REST_WORKERS = 1;
const REST_BATCH = 5;
/** The server is killed once this many messages of the round are acknowledged (varies by round). */
const killAfter = (round: number) => 30 + 25 * round;

interface Known {
    sessionId: string;
    seq: number;
}

/**
 * SIGKILL in the middle of a mixed socket and REST message load, then a restart on the same
 * database, several times. Whatever the server acknowledged (a `message` ack, a 200 from
 * POST /v3/sessions/:id/messages) was committed first, so it must survive: stored exactly once,
 * under the seq the ack named. What was in flight at the kill may be stored or not, but at most
 * once. Per-session seqs stay contiguous (the appender numbers inside the commit), the account's
 * update seq never goes backwards or repeats, and a client catches up with `after_seq`.
 */
describe('crash safety: SIGKILL under message load, restart, nothing acknowledged lost', () => {
    let dataDir: string;
    let database: TestDatabase;
    let env: Record<string, string>;
    let server: ServerProcess | undefined;
    const sockets: TestSocket[] = [];

    beforeAll(async () => {
        dataDir = await mkdtemp(join(tmpdir(), 'happy-crash-'));
        database = await createTestDatabase(join(dataDir, 'pglite'));
        env = { DATA_DIR: dataDir, HANDY_MASTER_SECRET: 'crash-safety-test', LOG_LEVEL: 'info', ...database.env };
    });
    afterAll(async () => {
        for (const client of sockets) client.close();
        server?.child.kill('SIGKILL');
        await server?.exited;
        await database?.drop();
        await rm(dataDir, { recursive: true, force: true });
    });

    async function start(): Promise<string> {
        server = spawnServer(['--import', 'tsx', 'sources/main.ts', 'serve'], env, (line) => JSON.parse(line).msg === 'ready');
        const port = JSON.parse(await server.ready).port as number;
        return `http://127.0.0.1:${port}`;
    }

    async function connect(url: string, token: string, auth: Parameters<typeof connectSocket>[2]) {
        const client = await connectSocket(url, token, auth);
        sockets.push(client);
        return client;
    }

    it(`keeps every acknowledged message through ${ROUNDS} kills`, { timeout: 120_000 }, async () => {
        let url = await start();
        const { token } = await login(url);
        const sessionIds = await Promise.all(Array.from({ length: SESSIONS }, async () => (await createSession(url, token)).id));
        /** localId -> where the server said it stored it. */
        const acked = new Map<string, Known>();
        /** Every localId sent; only these may be stored. */
        const sent = new Set<string>();
        /** The account update seqs of every `new-message` the app saw, per round. */
        const updateSeqs: number[][] = [];
        let accountSeqAtCrash = 0;

        for (let round = 0; round < ROUNDS; round++) {
            if (round > 0) {
                url = await start();
                await verifyStored(url, token, sessionIds, acked, sent);
            }
            const app = await connect(url, token, { clientType: 'user-scoped' });
            const agents = await Promise.all(sessionIds.map((sessionId) => connect(url, token, { clientType: 'session-scoped', sessionId })));

            let ackedThisRound = 0;
            let killed = false;
            let reachKill!: () => void;
            const killPoint = new Promise<void>((resolve) => (reachKill = resolve));
            const record = (localId: string, known: Known) => {
                expect(acked.has(localId)).toBe(false);
                acked.set(localId, known);
                if (++ackedThisRound >= killAfter(round)) reachKill();
            };

            const socketWorker = async (k: number, w: number) => {
                const sessionId = sessionIds[k]!;
                for (let n = 0; !killed && agents[k]!.socket.connected; n++) {
                    const localId = `r${round}-s${k}-w${w}-${n}`;
                    sent.add(localId);
                    let ack;
                    try {
                        ack = await agents[k]!.emitWithAck('message', { sid: sessionId, message: ciphertext(), localId }, 20_000);
                    } catch {
                        return; // disconnected by the kill: not acknowledged
                    }
                    expect(ack).toMatchObject({ result: 'success', localId });
                    record(localId, { sessionId, seq: ack.seq });
                }
            };
            const restWorker = async (k: number, w: number) => {
                const sessionId = sessionIds[k]!;
                for (let n = 0; !killed; n++) {
                    const batch = Array.from({ length: REST_BATCH }, (_, i) => ({ localId: `r${round}-h${k}-w${w}-${n}-${i}`, content: ciphertext() }));
                    for (const { localId } of batch) sent.add(localId);
                    let response;
                    try {
                        response = await postMessages(url, token, sessionId, batch);
                    } catch {
                        return; // connection cut by the kill: not acknowledged
                    }
                    expect(response.status).toBe(200);
                    for (const m of response.body.messages) record(m.localId, { sessionId, seq: m.seq });
                }
            };
            const load = Promise.all(
                sessionIds.flatMap((_, k) => [
                    ...Array.from({ length: SOCKET_WORKERS }, (_, w) => socketWorker(k, w)),
                    ...Array.from({ length: REST_WORKERS }, (_, w) => restWorker(k, w)),
                ]),
            );

            await killPoint;
            server!.child.kill('SIGKILL');
            killed = true;
            expect(await server!.exited).toBe('SIGKILL');
            await load;
            for (const client of sockets.splice(0)) client.close();

            // The app saw each update seq once, and later rounds only larger ones.
            const seen = app.updates.filter((u) => u.body.t === 'new-message').map((u) => u.seq as number);
            expect(new Set(seen).size).toBe(seen.length);
            const previousMax = Math.max(0, ...updateSeqs.flat());
            expect(seen.every((seq) => seq > previousMax)).toBe(true);
            updateSeqs.push(seen);
            // The counter the database keeps covers every seq handed out (none is handed out twice).
            accountSeqAtCrash = await readAccountSeq(database, join(dataDir, 'pglite'));
            expect(accountSeqAtCrash).toBeGreaterThanOrEqual(Math.max(0, ...seen));
            expect(ackedThisRound).toBeGreaterThanOrEqual(killAfter(round));
        }

        // The last restart: everything acknowledged is there, and new updates continue above the counter.
        url = await start();
        await verifyStored(url, token, sessionIds, acked, sent);
        const app = await connect(url, token, { clientType: 'user-scoped' });
        const after = await postMessages(url, token, sessionIds[0]!, [{ localId: 'after-the-last-crash', content: ciphertext() }]);
        expect(after.status).toBe(200);
        const update = await app.next('update', (u) => u.body.t === 'new-message' && u.body.message.localId === 'after-the-last-crash');
        expect(update.seq).toBeGreaterThan(accountSeqAtCrash);
        expect(acked.size).toBeGreaterThanOrEqual(ROUNDS * killAfter(0));
        // The kills landed mid-load: some messages were sent and never acknowledged.
        expect(sent.size).toBeGreaterThan(acked.size);
    });
});

/**
 * What a client that knew `acked` finds after a restart: each session's messages numbered 1..n
 * with no gap, every acknowledged one once under its acknowledged seq, nothing it never sent,
 * and, from the last seq it knew of, the rest through `after_seq` (how happy-cli catches up).
 */
async function verifyStored(url: string, token: string, sessionIds: string[], acked: Map<string, Known>, sent: Set<string>) {
    for (const sessionId of sessionIds) {
        const stored = await readAfter(url, token, sessionId, 0);
        expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
        const localIds = stored.map((m) => m.localId as string);
        expect(new Set(localIds).size).toBe(localIds.length);
        expect(localIds.filter((id) => !sent.has(id))).toEqual([]);
        const bySeq = new Map(stored.map((m) => [m.localId as string, m.seq as number]));
        const mine = [...acked].filter(([, known]) => known.sessionId === sessionId);
        expect(mine.filter(([localId, known]) => bySeq.get(localId) !== known.seq)).toEqual([]);

        const lastKnown = Math.max(0, ...mine.map(([, known]) => known.seq));
        const caughtUp = await readAfter(url, token, sessionId, lastKnown);
        expect(caughtUp.map((m) => m.seq)).toEqual(stored.slice(lastKnown).map((m) => m.seq));
    }
}

/** Pages forward through GET /v3/sessions/:id/messages?after_seq= the way happy-cli does. */
async function readAfter(url: string, token: string, sessionId: string, afterSeq: number): Promise<any[]> {
    const messages: any[] = [];
    for (let after = afterSeq; ; ) {
        const page = await request(url, 'GET', `/v3/sessions/${sessionId}/messages?after_seq=${after}&limit=100`, { token });
        expect(page.status).toBe(200);
        messages.push(...page.body.messages);
        if (!page.body.hasMore) return messages;
        after = page.body.messages.at(-1).seq;
    }
}

/** The account's update seq counter, read from the database itself while the server is down. */
async function readAccountSeq(database: TestDatabase, pgliteDir: string): Promise<number> {
    const sql = 'SELECT seq FROM "Account"';
    if (!usesPostgres()) {
        const { PGlite } = await import('@electric-sql/pglite');
        const db = new PGlite(pgliteDir);
        try {
            const rows = (await db.query<{ seq: number }>(sql)).rows;
            expect(rows).toHaveLength(1);
            return rows[0]!.seq;
        } finally {
            await db.close();
        }
    }
    const url = new URL(database.env.DATABASE_URL!);
    const schema = url.searchParams.get('schema')!;
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path="${schema}"` });
    await client.connect();
    try {
        const rows = (await client.query<{ seq: number }>(sql)).rows;
        expect(rows).toHaveLength(1);
        return rows[0]!.seq;
    } finally {
        await client.end();
    }
}

