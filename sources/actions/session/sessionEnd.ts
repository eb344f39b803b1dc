import { z } from 'zod';
import { clampHeartbeat } from '../../presence/activityCache.ts';
import { defineAction, fail, ok } from '../action.ts';
import { ownsSession, sessionIdSchema } from './sessionViews.ts';

/** Socket `session-end` (spec realtime.md §7.5): the session process exits. */
export const sessionEnd = defineAction({
    input: z.object({ sid: sessionIdSchema, time: z.number().finite() }),
    async run(deps, caller, { sid, time }) {
        const at = clampHeartbeat(time);
        if (at === null) return ok(false);
        const prisma = deps.db.prisma;
        if (!(await ownsSession(prisma, caller.userId, sid))) return fail('not-found', 'Session not found');
        await deps.presence.stopSession(sid);
        await prisma.session.updateMany({
            where: { id: sid, accountId: caller.userId },
            data: { active: false, lastActiveAt: new Date(at) },
        });
        deps.events.emitEphemeral({
            userId: caller.userId,
            filter: { type: 'user-scoped-only' },
            payload: { type: 'activity', id: sid, active: false, activeAt: at, thinking: false },
        });
        return ok(true);
    },
});
