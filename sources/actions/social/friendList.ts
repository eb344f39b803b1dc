import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { PROFILE_SELECT, userProfile } from './userProfile.ts';

/**
 * Upstream returned every row (rest.md §7.38); anyone can file requests, so the list is capped.
 * Friends come first, then incoming and outgoing requests, so a flood of requests cannot push
 * friends out.
 */
const FRIEND_LIST_LIMIT = 1000;

/** GET /v1/friends (spec rest.md §3.10): friends and requests both ways, each with its status. */
export const friendList = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const rows = await deps.db.prisma.userRelationship.findMany({
            where: { fromUserId: caller.userId, status: { in: ['friend', 'pending', 'requested'] } },
            select: { status: true, toUser: { select: PROFILE_SELECT } },
            // Enum order is none, requested, pending, friend, rejected.
            orderBy: [{ status: 'desc' }, { updatedAt: 'desc' }, { toUserId: 'asc' }],
            take: FRIEND_LIST_LIMIT,
        });
        return ok({ friends: rows.map((row) => userProfile(deps.config, row.toUser, row.status)) });
    },
});
