import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { presentSessionInList, sessionView } from './sessionViews.ts';

const LIMIT = 150;

/** GET /v1/sessions: the caller's 150 most recently updated sessions (spec rest.md §3.1). */
export const sessionList = defineAction({
    input: z.unknown(),
    async run(deps, caller) {
        const rows = await deps.db.prisma.session.findMany({
            where: { accountId: caller.userId },
            orderBy: { updatedAt: 'desc' },
            take: LIMIT,
        });
        return ok({ sessions: rows.map((row) => ({ ...presentSessionInList(sessionView(row)), lastMessage: null })) });
    },
});
