import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx, type TxScope } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { base64Text, INT32_MAX, int4 } from '../schemas.ts';
import { lockRows, updateRows, type Write } from './kvRows.ts';
import { KV_BATCH_MAX, KV_VALUE_MAX_CHARS, kvKey, type KvRow, kvValueText } from './kvSchemas.ts';

const mutation = z.object({
    key: kvKey,
    // Null or "" deletes (a tombstone that keeps its version).
    value: base64Text(KV_VALUE_MAX_CHARS).nullable(),
    // -1: the key must not exist yet. Otherwise the version the client last saw; a tombstone has one too.
    version: int4(-1, INT32_MAX - 1),
});

export const kvMutateInput = z.object({
    mutations: z
        .array(mutation)
        .min(1)
        .max(KV_BATCH_MAX)
        .superRefine((mutations, ctx) => {
            const seen = new Set<string>();
            mutations.forEach(({ key }, index) => {
                if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index, 'key'], message: 'Duplicate key in batch' });
                seen.add(key);
            });
        }),
});

interface Mismatch {
    key: string;
    error: 'version-mismatch';
    version: number;
    value: string | null;
}

/** Thrown inside the transaction so that the creates a conflicting batch already made roll back. */
class BatchConflict extends Error {
    constructor(readonly errors: Mismatch[]) {
        super('kv batch version mismatch');
    }
}

/**
 * POST /v1/kv (spec rest.md §3.8): an atomic batch. Either every mutation matches its version
 * and all apply, with one `kv-batch-update` whose seq is taken in the transaction, or nothing is
 * written and the 409 lists every mismatch with the current version and value.
 *
 * Read committed with row locks taken in key order, not a serializable transaction: creates
 * insert `ON CONFLICT DO NOTHING` (a concurrent create of the same key waits for the other to
 * finish, then sees it), updates lock their rows with `FOR UPDATE ... ORDER BY key`. Writers of
 * one key queue on its row instead of failing and retrying, so 50 writers with the same version
 * end as one winner and 49 clean mismatches carrying the winner's value; key order keeps
 * overlapping batches from deadlocking.
 *
 * Fixed against upstream (rest.md §7.20, §7.27): a key repeated in one batch is a 400, every
 * value is checked as strict base64 up front (a 400, on create and update alike), and the
 * broadcast carries the stored value (null for "", not "").
 */
export const kvMutate = defineAction({
    input: kvMutateInput,
    async run(deps, caller, { mutations }) {
        const writes = mutations.map(({ key, value, version }) => ({
            key,
            value: value ? Buffer.from(value, 'base64') : null,
            expected: version,
        }));
        try {
            const results = await inTx(deps.db.prisma, deps.log, (scope) => applyBatch(deps, scope, caller.userId, writes), {
                isolation: 'ReadCommitted',
            });
            return ok({ success: true, results });
        } catch (error) {
            if (!(error instanceof BatchConflict)) throw error;
            return fail('conflict', 'version-mismatch', { success: false, errors: error.errors });
        }
    },
});

/** A create (-1) starts at 0, an update or delete moves to the next version. */
const newVersion = (write: Write) => write.expected + 1;

const byKey = (a: Write, b: Write) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

async function applyBatch(deps: Deps, scope: TxScope, userId: string, writes: Write[]) {
    const { tx } = scope;
    const now = new Date();
    const creates = writes.filter((w) => w.expected === -1).sort(byKey);
    const updates = writes.filter((w) => w.expected !== -1);
    const created = creates.length === 0 ? [] : await tx.userKVStore.createManyAndReturn({
        data: creates.map((w) => ({ accountId: userId, key: w.key, value: w.value, version: 0, createdAt: now, updatedAt: now })),
        skipDuplicates: true,
        select: { key: true },
    });
    const createdKeys = new Set(created.map((row) => row.key));
    const current = await lockRows(tx, userId, updates.map((w) => w.key));
    const mismatched = writes.filter((w) => (w.expected === -1 ? !createdKeys.has(w.key) : current.get(w.key)?.version !== w.expected));
    if (mismatched.length > 0) {
        // A create lost to a row that exists (maybe committed a moment ago): report that row.
        const lost = mismatched.filter((w) => w.expected === -1).map((w) => w.key);
        const rows = lost.length === 0 ? [] : await tx.userKVStore.findMany({
            where: { accountId: userId, key: { in: lost } },
            select: { key: true, value: true, version: true },
        });
        for (const row of rows) current.set(row.key, row);
        throw new BatchConflict(mismatched.map((w) => mismatch(w.key, current.get(w.key))));
    }
    if (updates.length > 0) await updateRows(tx, userId, updates, now);
    await queueUpdate(scope, deps.events, {
        userId,
        filter: { type: 'user-scoped-only' },
        body: { t: 'kv-batch-update', changes: writes.map((w) => ({ key: w.key, value: kvValueText(w.value), version: newVersion(w) })) },
    });
    return writes.map((w) => ({ key: w.key, version: newVersion(w) }));
}

const mismatch = (key: string, row: KvRow | undefined): Mismatch => ({
    key,
    error: 'version-mismatch',
    version: row?.version ?? -1,
    value: kvValueText(row?.value ?? null),
});
