import { beforeAll, describe, expect, it } from 'vitest';
import { inTx } from '../../sources/storage/inTx.ts';
import { allocateUserSeq, RowNotFoundError } from '../../sources/storage/seq.ts';
import { isDatabaseUnavailable } from '../../sources/storage/unavailable.ts';
import { usesPostgres } from '../harness/testDatabase.ts';
import { useTestServer } from '../harness/useTestServer.ts';

describe('inTx and sequence allocation', () => {
    const server = useTestServer();
    let accountId: string;
    beforeAll(async () => {
        accountId = (await server.account()).userId;
    });

    const prisma = () => server.deps.db.prisma;
    const log = () => server.deps.log;
    const seqOf = async () => (await prisma().account.findUniqueOrThrow({ where: { id: accountId } })).seq;

    it('retries serialization failures and runs only the successful attempt\'s effects, after commit', async () => {
        const effects: string[] = [];
        let attempts = 0;
        const before = await seqOf();
        const result = await inTx(prisma(), log(), async ({ tx, afterCommit }) => {
            attempts++;
            const seq = await allocateUserSeq(tx, accountId);
            afterCommit(async () => {
                // Runs after commit: a fresh read outside the transaction already sees the change.
                effects.push(`attempt ${attempts} committed seq ${await seqOf()}`);
            });
            if (attempts === 1) throw Object.assign(new Error('could not serialize access'), { code: 'P2034' });
            return seq;
        });
        expect(attempts).toBe(2);
        expect(result).toBe(before + 1);
        expect(effects).toEqual([`attempt 2 committed seq ${before + 1}`]);
    });

    it('rolls back on other errors without retrying and runs no effects', async () => {
        const before = await seqOf();
        let attempts = 0;
        let ran = false;
        await expect(
            inTx(prisma(), log(), async ({ tx, afterCommit }) => {
                attempts++;
                await allocateUserSeq(tx, accountId);
                afterCommit(() => {
                    ran = true;
                });
                throw new Error('boom');
            }),
        ).rejects.toThrow('boom');
        expect(attempts).toBe(1);
        expect(ran).toBe(false);
        expect(await seqOf()).toBe(before);
    });

    it('logs a failing effect instead of failing the committed call', async () => {
        const after: string[] = [];
        const value = await inTx(prisma(), log(), async ({ afterCommit }) => {
            afterCommit(() => {
                throw new Error('effect failed');
            });
            afterCommit(() => void after.push('later effects still run'));
            return 'committed';
        });
        expect(value).toBe('committed');
        expect(after).toEqual(['later effects still run']);
    });

    it('allocates gapless per-account counters', async () => {
        const concurrent = await Promise.all(
            // Ten writers on one row: every round commits one of them, so ten attempts always suffice.
            Array.from({ length: 10 }, () =>
                inTx(prisma(), log(), ({ tx }) => allocateUserSeq(tx, accountId), { maxAttempts: 10 }),
            ),
        );
        const sorted = [...concurrent].sort((a, b) => a - b);
        expect(new Set(sorted).size).toBe(10);
        expect(sorted[9]! - sorted[0]!).toBe(9);
        await expect(inTx(prisma(), log(), ({ tx }) => allocateUserSeq(tx, 'missing'))).rejects.toThrow(RowNotFoundError);
    });
});

/**
 * DATABASE_QUERY_TIMEOUT_MS bounds the statements of requests (a silent database is
 * outages.test.ts's), never the long work of migrations, backup and restore (`longSql`).
 */
describe.skipIf(!usesPostgres())('the statement deadline', () => {
    const server = useTestServer({ env: { DATABASE_QUERY_TIMEOUT_MS: '1000' } });
    const db = () => server.deps.db;

    it('fails a statement that outlives it as an outage, and the pool goes on', async () => {
        const error = await db().sql.query('SELECT pg_sleep(1.5)').catch((e: unknown) => e);
        expect(isDatabaseUnavailable(error)).toBe(true);
        // Prisma's statements run on the same pool, under the same deadline.
        expect(isDatabaseUnavailable(await db().prisma.$queryRawUnsafe('SELECT pg_sleep(1.5)').catch((e: unknown) => e))).toBe(true);
        await Promise.all(Array.from({ length: 12 }, () => db().sql.query('SELECT 1')));
        expect(await db().prisma.account.count()).toBeGreaterThanOrEqual(0);
    });

    it('leaves long work alone: longSql statements and transactions have none', async () => {
        expect(await db().longSql.query('SELECT pg_sleep(1.2)::text AS slept')).toEqual([{ slept: '' }]);
        const inTransaction = await db().longSql.transaction(async (tx) => {
            await tx.exec('SELECT pg_sleep(1.2)');
            return tx.query<{ one: number }>('SELECT 1 AS one');
        });
        expect(inTransaction).toEqual([{ one: 1 }]);
    });
});
