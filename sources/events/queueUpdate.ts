import type { TxScope } from '../storage/inTx.ts';
import { allocateUserSeq } from '../storage/seq.ts';
import type { Emission, EventRouter } from './eventRouter.ts';
import type { UpdateBody } from './updates.ts';

/**
 * Takes the account's next update seq inside the caller's transaction and emits the update once
 * that transaction has committed, in seq order: the seq commits or rolls back with the change it
 * describes, so clients never see a gap that later fills, nor an update for a change that did
 * not happen.
 */
export async function queueUpdate(
    { tx, afterCommit, onRollback }: TxScope,
    events: EventRouter,
    { userId, ...update }: Emission & { body: UpdateBody },
): Promise<void> {
    const seq = await allocateUserSeq(tx, userId);
    const reserved = events.reserveUpdate(userId, seq);
    onRollback(reserved.cancel);
    afterCommit(() => reserved.send(update));
}
