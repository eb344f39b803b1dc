import { z } from 'zod';
import { defineAction, ok } from '../action.ts';

/** GET /v1/push-tokens (spec rest.md §3.4): the caller's tokens, newest first. */
export const pushTokenList = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const rows = await deps.db.prisma.accountPushToken.findMany({
            where: { accountId: caller.userId },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        });
        return ok({
            tokens: rows.map((row) => ({
                id: row.id,
                token: row.token,
                createdAt: row.createdAt.getTime(),
                updatedAt: row.updatedAt.getTime(),
            })),
        });
    },
});
