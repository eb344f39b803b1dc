import type { Tx } from './inTx.ts';

/**
 * Counters are "increment and return" on one row, taken inside the caller's transaction so the
 * number commits (or rolls back) together with the change it orders: no gaps, no reordering.
 */

/** Next per-account update seq (`update.seq` on the wire). */
export async function allocateUserSeq(tx: Tx, accountId: string): Promise<number> {
    const rows = await tx.$queryRaw<Array<{ seq: number }>>`
        UPDATE "Account" SET "seq" = "seq" + 1, "updatedAt" = now() WHERE "id" = ${accountId} RETURNING "seq"`;
    return requireRow(rows, 'Account', accountId).seq;
}

/** Next per-account feed counter (`UserFeedItem.counter`). */
export async function allocateFeedSeq(tx: Tx, accountId: string): Promise<bigint> {
    const rows = await tx.$queryRaw<Array<{ feedSeq: bigint }>>`
        UPDATE "Account" SET "feedSeq" = "feedSeq" + 1, "updatedAt" = now() WHERE "id" = ${accountId} RETURNING "feedSeq"`;
    return requireRow(rows, 'Account', accountId).feedSeq;
}

export class RowNotFoundError extends Error {}

function requireRow<Row>(rows: Row[], table: string, id: string): Row {
    const [row] = rows;
    if (!row) throw new RowNotFoundError(`${table} ${id} not found`);
    return row;
}
