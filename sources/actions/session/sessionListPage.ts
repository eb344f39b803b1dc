import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { MAX_DATE_MS } from '../schemas.ts';
import { presentSessionInList, sessionView } from './sessionViews.ts';

const CURSOR_PREFIX = 'cursor_v1_';

/** GET /v2/sessions: newest-created first, cursor paging, optional changedSince (spec rest.md §3.1). */
export const sessionListPage = defineAction({
    input: z.object({
        cursor: z.string().max(256).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        changedSince: z.coerce.number().int().positive().max(MAX_DATE_MS).optional(),
    }),
    async run(deps, caller, { cursor, limit, changedSince }) {
        let beforeId: string | undefined;
        if (cursor) {
            if (!cursor.startsWith(CURSOR_PREFIX)) return fail('bad-request', 'Invalid cursor format');
            beforeId = cursor.slice(CURSOR_PREFIX.length);
        }
        const rows = await deps.db.prisma.session.findMany({
            where: {
                accountId: caller.userId,
                ...(changedSince !== undefined ? { updatedAt: { gt: new Date(changedSince) } } : {}),
                ...(beforeId !== undefined ? { id: { lt: beforeId } } : {}),
            },
            orderBy: { id: 'desc' },
            take: limit + 1,
        });
        const hasNext = rows.length > limit;
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return ok({
            sessions: page.map((row) => presentSessionInList(sessionView(row))),
            nextCursor: hasNext && last ? `${CURSOR_PREFIX}${last.id}` : null,
            hasNext,
        });
    },
});
