import type { FeedBody } from '../../events/updates.ts';
import type { UserFeedItem } from '../../generated/prisma/client.ts';

/** Cursors are `0-<counter>` (spec rest.md §3.11); the app reads the counter back out of them. */
export const feedCursor = (counter: bigint) => `0-${counter}`;

/** One feed item in the key order of GET /v1/feed. */
export function feedItemView(row: UserFeedItem) {
    return {
        id: row.id,
        body: row.body as FeedBody,
        repeatKey: row.repeatKey,
        cursor: feedCursor(row.counter),
        createdAt: row.createdAt.getTime(),
    };
}
