import { z } from 'zod';
import { defineAction } from '../action.ts';
import { expectedVersion, storableString } from '../schemas.ts';
import { updateSessionField } from './sessionUpdateField.ts';
import { sessionIdSchema } from './sessionViews.ts';

/** Socket `update-state`: the agent state, which may be set back to null (spec realtime.md §7.3). */
export const sessionUpdateState = defineAction({
    input: z.object({
        sid: sessionIdSchema,
        agentState: storableString(z.string().max(4 * 1024 * 1024)).nullable(),
        expectedVersion,
    }),
    run: (deps, caller, { sid, agentState, expectedVersion }) =>
        updateSessionField(deps, caller.userId, sid, 'agentState', agentState, expectedVersion),
});
