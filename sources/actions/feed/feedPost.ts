import type { EventRouter } from '../../events/eventRouter.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import type { FeedBody } from '../../events/updates.ts';
import type { TxScope } from '../../storage/inTx.ts';
import { allocateFeedSeq } from '../../storage/seq.ts';
import { feedItemView } from './feedView.ts';

/**
 * Adds an item to `userId`'s feed inside the caller's transaction (spec rest.md §3.11, storage.md
 * §2.5): an item with the same repeat key is replaced by a new one at a new counter, the counter
 * comes from Account.feedSeq, and `new-feed-post` goes to the owner's apps after commit with an
 * update seq of the owner's account taken in the same transaction. There is no route that posts.
 */
export async function postToFeed(
    scope: TxScope,
    events: EventRouter,
    userId: string,
    body: FeedBody,
    repeatKey: string | null,
): Promise<void> {
    const { tx } = scope;
    // The counter first: its row lock orders concurrent posts to this feed, so (read committed)
    // the delete below sees an item another post just committed under the same key instead of
    // colliding with it; a serializable caller gets a retried conflict instead.
    const counter = await allocateFeedSeq(tx, userId);
    if (repeatKey !== null) await tx.userFeedItem.deleteMany({ where: { userId, repeatKey } });
    const row = await tx.userFeedItem.create({ data: { userId, counter, repeatKey, body } });
    const item = feedItemView(row);
    await queueUpdate(scope, events, {
        userId,
        filter: { type: 'user-scoped-only' },
        body: { t: 'new-feed-post', id: item.id, body: item.body, cursor: item.cursor, createdAt: item.createdAt, repeatKey: item.repeatKey },
    });
}
