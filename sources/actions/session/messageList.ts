import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { int4Query } from '../schemas.ts';
import { presentMessage } from './messageViews.ts';
import { ownsSession, sessionParams } from './sessionViews.ts';

export const messageListQuery = z
    .object({
        // Compared with the INTEGER `seq` column (2147483648 was a 500).
        after_seq: int4Query(0).optional(),
        before_seq: int4Query(1).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
    })
    .refine((q) => q.after_seq === undefined || q.before_seq === undefined, {
        message: 'after_seq and before_seq are mutually exclusive',
    });

/**
 * GET /v3/sessions/:sessionId/messages: forward sync (`after_seq`, ascending) or backward
 * paging (`before_seq`, newest first), with `hasMore` (spec rest.md §3.2).
 */
export const messageList = defineAction({
    input: sessionParams.extend({
        after_seq: z.number().optional(),
        before_seq: z.number().optional(),
        limit: z.number(),
    }),
    async run(deps, caller, { sessionId, after_seq, before_seq, limit }) {
        const prisma = deps.db.prisma;
        if (!(await ownsSession(prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        const backward = before_seq !== undefined;
        const rows = await prisma.sessionMessage.findMany({
            where: { sessionId, seq: backward ? { lt: before_seq } : { gt: after_seq ?? 0 } },
            orderBy: { seq: backward ? 'desc' : 'asc' },
            take: limit + 1,
        });
        return ok({ messages: rows.slice(0, limit).map(presentMessage), hasMore: rows.length > limit });
    },
});
