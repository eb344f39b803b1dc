import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { kvKey, liveItems } from './kvSchemas.ts';

/** GET /v1/kv/:key (spec rest.md §3.8): a missing key and a tombstone look the same. */
export const kvGet = defineAction({
    input: z.object({ key: kvKey }),
    async run(deps, caller, { key }) {
        const row = await deps.db.prisma.userKVStore.findUnique({ where: { accountId_key: { accountId: caller.userId, key } } });
        const [item] = liveItems(row ? [row] : []);
        return item ? ok(item) : fail('not-found', 'Key not found');
    },
});
