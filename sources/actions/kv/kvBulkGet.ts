import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { KV_BATCH_MAX, kvKey, liveItems } from './kvSchemas.ts';

/** POST /v1/kv/bulk (spec rest.md §3.8): the live records among the given keys, in key order. */
export const kvBulkGet = defineAction({
    input: z.object({ keys: z.array(kvKey).min(1).max(KV_BATCH_MAX) }),
    async run(deps, caller, { keys }) {
        const rows = await deps.db.prisma.userKVStore.findMany({
            where: { accountId: caller.userId, key: { in: keys }, value: { not: null } },
            orderBy: { key: 'asc' },
        });
        return ok({ values: liveItems(rows) });
    },
});
