import type { EventRouter } from '../../events/eventRouter.ts';
import type { TxScope } from '../../storage/inTx.ts';
import { postToFeed } from '../feed/feedPost.ts';

const NOTIFY_INTERVAL_MS = 24 * 60 * 60 * 1000;

/**
 * Tells `from` about `to` in `from`'s feed (spec rest.md §3.10 "Feed side effects"): only when
 * the row from → to exists, is not `rejected`, and was not used to notify in the last 24 hours.
 * Claiming the row and stamping it is one conditional UPDATE, so a notice goes out at most once
 * per window. The repeat key keeps one item per kind and user: a new notice replaces the old.
 */
export async function notifyFriend(
    scope: TxScope,
    events: EventRouter,
    kind: 'friend_request' | 'friend_accepted',
    from: string,
    to: string,
): Promise<void> {
    const now = new Date();
    const { count } = await scope.tx.userRelationship.updateMany({
        where: {
            fromUserId: from,
            toUserId: to,
            status: { not: 'rejected' },
            OR: [{ lastNotifiedAt: null }, { lastNotifiedAt: { lt: new Date(now.getTime() - NOTIFY_INTERVAL_MS) } }],
        },
        data: { lastNotifiedAt: now },
    });
    if (count > 0) await postToFeed(scope, events, from, { kind, uid: to }, `${kind}_${to}`);
}
