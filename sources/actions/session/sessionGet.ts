import { defineAction, fail, ok } from '../action.ts';
import { presentSessionInList, sessionParams, sessionView } from './sessionViews.ts';

/**
 * GET /v1/sessions/:sessionId (spec workers.md §2.4): one session in the key order of the list
 * routes, `lastMessage` always null. Another account's session is not found.
 */
export const sessionGet = defineAction({
    input: sessionParams,
    async run(deps, caller, { sessionId }) {
        const row = await deps.db.prisma.session.findFirst({ where: { id: sessionId, accountId: caller.userId } });
        if (!row) return fail('not-found', 'Session not found');
        return ok({ session: { ...presentSessionInList(sessionView(row)), lastMessage: null } });
    },
});
