import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { feedItemView } from './feedView.ts';

/** `0-<counter>`; 18 digits keep every value inside the BIGINT column. */
const cursor = z
    .string()
    .regex(/^0-\d{1,18}$/, 'Invalid cursor')
    .transform((value) => BigInt(value.slice(2)));

/**
 * GET /v1/feed (spec rest.md §3.11): items newest first. `before` pages back through older
 * items; `before` wins over `after`.
 *
 * Fixed against upstream (rest.md §7.23): a malformed cursor is a 400, not a 500; `after` returns
 * the `limit` items just above the cursor (upstream returned the newest ones, so a client that
 * missed more than `limit` items never saw the gap), still newest first, with `hasMore` telling
 * whether newer ones lie beyond them.
 */
export const feedList = defineAction({
    input: z.object({
        before: cursor.optional(),
        after: cursor.optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
    async run(deps, caller, { before, after, limit }) {
        const forward = before === undefined && after !== undefined;
        const counter = before !== undefined ? { lt: before } : after !== undefined ? { gt: after } : undefined;
        const rows = await deps.db.prisma.userFeedItem.findMany({
            where: { userId: caller.userId, counter },
            orderBy: { counter: forward ? 'asc' : 'desc' },
            take: limit + 1,
        });
        const page = rows.slice(0, limit);
        if (forward) page.reverse();
        return ok({ items: page.map(feedItemView), hasMore: rows.length > limit });
    },
});
