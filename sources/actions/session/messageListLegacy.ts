import { defineAction, fail, ok } from '../action.ts';
import { presentMessage } from './messageViews.ts';
import { sessionParams } from './sessionViews.ts';

const LIMIT = 150;

/** GET /v1/sessions/:sessionId/messages: the newest 150 messages, newest first (legacy). */
export const messageListLegacy = defineAction({
    input: sessionParams,
    async run(deps, caller, { sessionId }) {
        const prisma = deps.db.prisma;
        const session = await prisma.session.findFirst({ where: { id: sessionId, accountId: caller.userId }, select: { id: true } });
        if (!session) return fail('not-found', 'Session not found');
        const rows = await prisma.sessionMessage.findMany({
            where: { sessionId },
            orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }],
            take: LIMIT,
        });
        return ok({ messages: rows.map(presentMessage) });
    },
});
