import { z } from 'zod';
import { defineAction } from '../action.ts';
import { expectedVersion, storableString } from '../schemas.ts';
import { updateSessionField } from './sessionUpdateField.ts';
import { sessionIdSchema } from './sessionViews.ts';

/** Socket `update-metadata` (spec realtime.md §7.2). */
export const sessionUpdateMetadata = defineAction({
    input: z.object({
        sid: sessionIdSchema,
        metadata: storableString(z.string().max(4 * 1024 * 1024)),
        expectedVersion,
    }),
    run: (deps, caller, { sid, metadata, expectedVersion }) =>
        updateSessionField(deps, caller.userId, sid, 'metadata', metadata, expectedVersion),
});
