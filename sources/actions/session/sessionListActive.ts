import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { presentSessionInList, sessionView } from './sessionViews.ts';

/** "Active" for listing: flagged active and heard from within 15 minutes (spec rest.md §3.1). */
const ACTIVE_WINDOW_MS = 15 * 60_000;

/** GET /v2/sessions/active */
export const sessionListActive = defineAction({
    input: z.object({ limit: z.coerce.number().int().min(1).max(500).default(150) }),
    async run(deps, caller, { limit }) {
        const rows = await deps.db.prisma.session.findMany({
            where: { accountId: caller.userId, active: true, lastActiveAt: { gt: new Date(Date.now() - ACTIVE_WINDOW_MS) } },
            orderBy: { lastActiveAt: 'desc' },
            take: limit,
        });
        return ok({ sessions: rows.map((row) => presentSessionInList(sessionView(row))) });
    },
});
