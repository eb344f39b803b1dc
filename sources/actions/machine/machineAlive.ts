import { z } from 'zod';
import { clampHeartbeat } from '../../presence/activityCache.ts';
import { defineAction, ok } from '../action.ts';
import { machineId } from './machineSchemas.ts';

/**
 * Socket `machine-alive` (spec realtime.md §7.8): the daemon's heartbeat, on connect and every
 * 20 s. Accepted ones are persisted (debounced) and announced to the apps.
 */
export const machineAlive = defineAction({
    input: z.object({ machineId, time: z.number().finite() }),
    async run(deps, caller, { machineId: id, time }) {
        const at = clampHeartbeat(time);
        if (at === null || !(await deps.presence.machineHeartbeat(caller.userId, id, at))) return ok(false);
        deps.events.emitEphemeral({
            userId: caller.userId,
            filter: { type: 'user-scoped-only' },
            payload: { type: 'machine-activity', id, active: true, activeAt: at },
        });
        return ok(true);
    },
});
