import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { RelationshipStatus } from '../../generated/prisma/client.ts';
import { inTx, type Tx, type TxScope } from '../../storage/inTx.ts';
import { storableString } from '../schemas.ts';
import { loadProfiles, type UserProfile } from './userProfile.ts';

/** Account ids are server-made cuids; 100 characters is also the longest path parameter routed. */
export const userId = storableString(z.string().min(1).max(100));

export const friendInput = z.object({ uid: userId });

/** The two directed rows of a pair, as seen from the caller (`none` when a row is absent). */
export interface Pair {
    callerId: string;
    targetId: string;
    /** caller → target */
    cur: RelationshipStatus;
    /** target → caller */
    oth: RelationshipStatus;
}

/**
 * Runs one step of the friendship state machine (spec rest.md §3.10) for a pair of accounts and
 * answers with the target's profile as the caller now sees it, or null when either account is
 * missing. Both account rows are locked in id order before the relationship rows are read, so
 * steps on the same pair run one after the other whoever starts them (two users adding each
 * other at once both end as friends), and steps on different pairs never wait on each other
 * beyond the account rows.
 */
export async function stepRelationship(
    deps: Deps,
    callerId: string,
    targetId: string,
    step: (scope: TxScope, pair: Pair) => Promise<void>,
): Promise<UserProfile | null> {
    return inTx(deps.db.prisma, deps.log, async (scope) => {
        const { tx } = scope;
        const locked = await tx.$queryRaw<Array<{ id: string }>>`
            SELECT "id" FROM "Account" WHERE "id" IN (${callerId}, ${targetId}) ORDER BY "id" FOR NO KEY UPDATE`;
        if (locked.length !== new Set([callerId, targetId]).size) return null;
        const rows = await tx.userRelationship.findMany({
            where: {
                OR: [
                    { fromUserId: callerId, toUserId: targetId },
                    { fromUserId: targetId, toUserId: callerId },
                ],
            },
            select: { fromUserId: true, status: true },
        });
        const statusFrom = (id: string) => rows.find((row) => row.fromUserId === id)?.status ?? 'none';
        await step(scope, { callerId, targetId, cur: statusFrom(callerId), oth: statusFrom(targetId) });
        const [profile] = await loadProfiles(tx, deps.config, callerId, [targetId]);
        return profile ?? null;
    }, { isolation: 'ReadCommitted' });
}

/** Writes one directed row; `acceptedAt` marks when it became `friend`, as upstream kept it. */
export async function setStatus(tx: Tx, fromUserId: string, toUserId: string, status: RelationshipStatus): Promise<void> {
    const acceptedAt = status === 'friend' ? new Date() : null;
    await tx.userRelationship.upsert({
        where: { fromUserId_toUserId: { fromUserId, toUserId } },
        create: { fromUserId, toUserId, status, acceptedAt },
        update: { status, acceptedAt },
    });
}
