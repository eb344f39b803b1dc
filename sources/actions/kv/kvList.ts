import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { KV_KEY_MAX_CHARS, KV_LIST_MAX, kvKey, liveItems } from './kvSchemas.ts';

/** LIKE treats these as wildcards or escapes; Prisma's `startsWith` passes them through. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * GET /v1/kv?prefix=&limit=&after= (spec rest.md §3.8): live records in key order. The prefix is
 * literal (upstream let `%` and `_` act as wildcards). `after`, a key, is an addition: the next
 * page starts after it, so a client can read more than 1000 records; without it the answer is
 * upstream's.
 */
export const kvList = defineAction({
    input: z.object({
        prefix: storableString(z.string().max(KV_KEY_MAX_CHARS)).optional(),
        limit: z.coerce.number().int().min(1).max(KV_LIST_MAX).default(100),
        after: kvKey.optional(),
    }),
    async run(deps, caller, { prefix, limit, after }) {
        const rows = await deps.db.prisma.userKVStore.findMany({
            where: {
                accountId: caller.userId,
                value: { not: null },
                key: { startsWith: prefix ? escapeLike(prefix) : undefined, gt: after },
            },
            orderBy: { key: 'asc' },
            take: limit,
        });
        return ok({ items: liveItems(rows) });
    },
});
