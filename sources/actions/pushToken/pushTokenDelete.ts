import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { pushToken } from './pushTokenSchemas.ts';

/**
 * DELETE /v1/push-tokens/:token (spec rest.md §3.4): removes the caller's row only; idempotent,
 * so the app may unregister a token that is already gone (or never was).
 */
export const pushTokenDelete = defineAction({
    input: z.object({ token: pushToken }),
    async run(deps, caller, { token }) {
        await deps.db.prisma.accountPushToken.deleteMany({ where: { accountId: caller.userId, token } });
        return ok({ success: true });
    },
});
