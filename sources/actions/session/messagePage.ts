import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { presentMessage, presentSessionMessage } from './messageViews.ts';
import { ownsSession, sessionParams } from './sessionViews.ts';

const CURSOR_PREFIX = 'cursor_v1_';
const INVALID_CURSOR = 'Invalid cursor format';

export const messagePageQuery = z.object({
    cursor: z.string().max(256).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * GET /v2/sessions/:sessionId/messages (spec workers.md §2.4): newest first, `limit` per page,
 * `nextCursor` naming the last message of the page. The Workers server ordered by message id;
 * ids are not ordered with the session's messages, so pages here follow `seq` (commit order) and
 * the cursor's message gives the seq to continue below. A cursor naming no message of this
 * session is refused like a malformed one: there is no place to continue from.
 */
export const messagePage = defineAction({
    input: sessionParams.extend({ cursor: z.string().optional(), limit: z.number() }),
    async run(deps, caller, { sessionId, cursor, limit }) {
        const prisma = deps.db.prisma;
        if (!(await ownsSession(prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        let beforeSeq: number | undefined;
        if (cursor !== undefined) {
            if (!cursor.startsWith(CURSOR_PREFIX)) return fail('bad-request', INVALID_CURSOR);
            const from = await prisma.sessionMessage.findFirst({
                where: { id: cursor.slice(CURSOR_PREFIX.length), sessionId },
                select: { seq: true },
            });
            if (!from) return fail('bad-request', INVALID_CURSOR);
            beforeSeq = from.seq;
        }
        const rows = await prisma.sessionMessage.findMany({
            where: { sessionId, ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}) },
            orderBy: { seq: 'desc' },
            take: limit + 1,
        });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return ok({
            messages: page.map((row) => presentSessionMessage(sessionId, presentMessage(row))),
            nextCursor: rows.length > limit && last ? `${CURSOR_PREFIX}${last.id}` : null,
        });
    },
});
