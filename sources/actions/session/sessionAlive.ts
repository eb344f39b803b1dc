import { z } from 'zod';
import { clampHeartbeat } from '../../presence/activityCache.ts';
import { defineAction, ok } from '../action.ts';
import { sessionIdSchema } from './sessionViews.ts';

/**
 * Socket `session-alive` (spec realtime.md §7.4): a heartbeat every 2 s from a running session.
 * Accepted ones are persisted (debounced) and announced to the apps on every beat.
 */
export const sessionAlive = defineAction({
    input: z.object({ sid: sessionIdSchema, time: z.number().finite(), thinking: z.unknown().optional() }),
    async run(deps, caller, { sid, time, thinking }) {
        const at = clampHeartbeat(time);
        if (at === null || !(await deps.presence.sessionHeartbeat(caller.userId, sid, at))) return ok(false);
        deps.events.emitEphemeral({
            userId: caller.userId,
            filter: { type: 'user-scoped-only' },
            payload: { type: 'activity', id: sid, active: true, activeAt: at, thinking: thinking === true },
        });
        return ok(true);
    },
});
