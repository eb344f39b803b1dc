import { defineAction, fail, ok } from '../action.ts';
import { presentMessage } from './messageViews.ts';
import { ownsSession, sessionParams } from './sessionViews.ts';

const LIMIT = 150;

/** GET /v1/sessions/:sessionId/messages: the newest 150 messages, newest first (legacy). */
export const messageListLegacy = defineAction({
    input: sessionParams,
    async run(deps, caller, { sessionId }) {
        const prisma = deps.db.prisma;
        if (!(await ownsSession(prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        const rows = await prisma.sessionMessage.findMany({
            where: { sessionId },
            orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }],
            take: LIMIT,
        });
        return ok({ messages: rows.map(presentMessage) });
    },
});
