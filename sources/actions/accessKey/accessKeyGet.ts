import { defineAction, fail, ok } from '../action.ts';
import { accessKeyParams, accessKeyView, accessKeyWhere, NOT_OWNED, ownsSessionAndMachine } from './accessKeySchemas.ts';

/**
 * GET /v1/access-keys/:sessionId/:machineId and the socket `access-key-get` (spec rest.md §3.7,
 * realtime.md §7.16): the key of one session on one machine, or null when none was stored yet.
 */
export const accessKeyGet = defineAction({
    input: accessKeyParams,
    async run(deps, caller, { sessionId, machineId }) {
        const ref = { userId: caller.userId, sessionId, machineId };
        const [owned, row] = await Promise.all([
            ownsSessionAndMachine(deps.db.prisma, ref),
            deps.db.prisma.accessKey.findUnique({ where: accessKeyWhere(ref) }),
        ]);
        if (!owned) return fail('not-found', NOT_OWNED);
        return ok({ accessKey: row ? accessKeyView(row) : null });
    },
});
