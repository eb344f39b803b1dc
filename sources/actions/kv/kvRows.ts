import type { Tx } from '../../storage/inTx.ts';
import { type KvRow, kvValueText } from './kvSchemas.ts';

/** The SQL of a batch mutation (kvMutate.ts) that Prisma's client cannot express. */

/** One mutation, its value decoded: null is a tombstone, `expected` -1 a create. */
export interface Write {
    key: string;
    value: Buffer<ArrayBuffer> | null;
    expected: number;
}

/** Locks the existing rows of `keys` in key order, so overlapping batches queue instead of deadlocking. */
export async function lockRows(tx: Tx, userId: string, keys: string[]): Promise<Map<string, KvRow>> {
    if (keys.length === 0) return new Map();
    const rows = await tx.$queryRaw<KvRow[]>`
        SELECT "key", "value", "version" FROM "UserKVStore"
        WHERE "accountId" = ${userId} AND "key" = ANY(${keys}::text[])
        ORDER BY "key" FOR UPDATE`;
    return new Map(rows.map((row) => [row.key, row]));
}

/** One statement for every update of the batch; its rows are already locked by `lockRows`. */
export async function updateRows(tx: Tx, userId: string, updates: Write[], now: Date): Promise<void> {
    await tx.$executeRaw`
        UPDATE "UserKVStore" AS kv
        SET "value" = decode(m."value", 'base64'), "version" = m."version" + 1, "updatedAt" = ${now}
        FROM unnest(${updates.map((w) => w.key)}::text[], ${updates.map((w) => kvValueText(w.value))}::text[], ${updates.map((w) => w.expected)}::int[])
            AS m("key", "value", "version")
        WHERE kv."accountId" = ${userId} AND kv."key" = m."key"`;
}
