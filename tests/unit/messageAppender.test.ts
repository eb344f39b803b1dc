import { describe, expect, it } from 'vitest';
import { MessageAppender } from '../../sources/actions/session/messageAppender.ts';
import { createEventRouter } from '../../sources/events/eventRouter.ts';
import { createLogger } from '../../sources/monitoring/log.ts';
import type { SqlClient } from '../../sources/storage/sqlClient.ts';

/**
 * The appender against a database stand-in whose statements finish when the test says, in any
 * order: what reaches Socket.IO, and when. (The e2e suites run the real thing; races between
 * batches are too narrow there to show an ordering bug every time.)
 */
function harness() {
    const statements: Array<{ sessions: string[]; finish(userSeqs: number[]): void }> = [];
    const sql = {
        query(_text: string, params: unknown[]) {
            const [accounts, sessions, localIds] = params as [string[], string[], Array<string | null>];
            return new Promise((resolve) => {
                statements.push({
                    sessions,
                    finish: (userSeqs) =>
                        resolve(accounts.map((_, i) => ({
                            ord: i + 1, id: `m-${localIds[i]}`, seq: i + 1, localId: localIds[i], content: null,
                            createdAt: 0, updatedAt: 0, userSeq: userSeqs[i],
                        }))),
                });
            });
        },
    } as unknown as SqlClient;
    const emitted: number[] = [];
    const io = { to: () => ({ except: () => ({ emit: (_event: string, update: { seq: number }) => void emitted.push(update.seq) }) }) };
    const events = createEventRouter(io as never, createLogger('silent'));
    const appender = new MessageAppender(sql, events, 4);
    /** `count` messages of account `a` in one request (a REST batch), localIds `<prefix>-<i>`. */
    const send = (sessionId: string, prefix: string, count = 1) =>
        appender.append(
            { accountId: 'a', sessionId, messages: Array.from({ length: count }, (_, i) => ({ localId: `${prefix}-${i}`, content: 'c' })) },
            'sender',
        );
    const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
    // A few turns of the event loop: the appender starts batches and releases holds on later ones.
    const turn = async () => {
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    return { statements, emitted, send, turn, range, appender };
}

describe('MessageAppender', () => {
    it('answers every append of a batch at once when the database is unreachable (no retry one by one)', async () => {
        let statements = 0;
        const sql = {
            query: () => {
                statements++;
                return Promise.reject(new Error('Query read timeout'));
            },
        } as unknown as SqlClient;
        const io = { to: () => ({ except: () => ({ emit: () => {} }) }) };
        const appender = new MessageAppender(sql, createEventRouter(io as never, createLogger('silent')), 1);
        const appends = ['s1', 's2', 's3'].map((sessionId) => appender.append({ accountId: 'a', sessionId, messages: [{ localId: sessionId, content: 'c' }] }));
        const outcomes = await Promise.allSettled(appends);
        expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
        expect(statements).toBe(1);
    });

    it('writes a large batch of another session of the account at once, its updates in seq order', async () => {
        const { statements, emitted, send, turn, range } = harness();
        const first = send('s1', 'one');
        await turn();
        const second = send('s2', 'two', 32);
        await turn();
        expect(statements.map((s) => s.sessions.length)).toEqual([1, 32]);

        // The second batch took its seqs after the first (it queued for the account's counter)
        // but its result comes back first: its updates wait.
        statements[1]!.finish(range(8, 32));
        await second;
        await turn();
        expect(emitted).toEqual([]);
        statements[0]!.finish([7]);
        await first;
        await turn();
        expect(emitted).toEqual(range(7, 33));
    });

    it('lets a small batch of an account wait for the one in flight instead of paying a commit', async () => {
        const { statements, send, turn } = harness();
        const first = send('s1', 'one');
        await turn();
        const second = send('s2', 'two', 3);
        await turn();
        expect(statements).toHaveLength(1);
        statements[0]!.finish([1]);
        await first;
        await turn();
        expect(statements.map((s) => s.sessions)).toEqual([['s1'], ['s2', 's2', 's2']]);
        statements[1]!.finish([2, 3, 4]);
        await second;
    });

    it('never has two batches of one session in flight, so a session keeps arrival order', async () => {
        const { statements, emitted, send, turn, appender } = harness();
        const first = send('s1', 'one');
        await turn();
        const second = send('s1', 'two');
        await turn();
        expect(statements).toHaveLength(1);
        statements[0]!.finish([1]);
        await first;
        await turn();
        expect(statements.map((s) => s.sessions)).toEqual([['s1'], ['s1']]);
        statements[1]!.finish([2]);
        await second;
        await appender.close();
        expect(emitted).toEqual([1, 2]);
    });
});
