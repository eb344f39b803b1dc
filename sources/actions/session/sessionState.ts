import { defineAction, fail, ok } from '../action.ts';
import { sessionParams } from './sessionViews.ts';

/**
 * GET /v1/sessions/:sessionId/state (spec workers.md §2.4): what the app's revival flow asks
 * before it tries to resume a session. The upstream schema has no archive or stop columns, and
 * archiving here only ends a session (as upstream's Node server does), so an inactive session is
 * `stopped` since its last activity, with no reason; `archived` is never reported.
 */
export const sessionState = defineAction({
    input: sessionParams,
    async run(deps, caller, { sessionId }) {
        const row = await deps.db.prisma.session.findFirst({
            where: { id: sessionId, accountId: caller.userId },
            select: { id: true, active: true, lastActiveAt: true },
        });
        if (!row) return fail('not-found', 'Session not found');
        const lastActivity = row.lastActiveAt.toISOString();
        return ok({
            sessionId: row.id,
            state: row.active ? ('active' as const) : ('stopped' as const),
            stoppedAt: row.active ? null : lastActivity,
            stoppedReason: null,
            lastActivity,
        });
    },
});
