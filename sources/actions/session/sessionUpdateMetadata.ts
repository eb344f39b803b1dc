import { z } from 'zod';
import { defineAction } from '../action.ts';
import { storableString } from '../schemas.ts';
import { sessionCompareAndSet } from './sessionCompareAndSet.ts';
import { sessionIdSchema } from './sessionViews.ts';

/** Socket `update-metadata` (spec realtime.md §7.2). */
export const sessionUpdateMetadata = defineAction({
    input: z.object({
        sid: sessionIdSchema,
        metadata: storableString(z.string().max(4 * 1024 * 1024)),
        expectedVersion: z.number().int().min(0),
    }),
    run: (deps, caller, { sid, metadata, expectedVersion }) =>
        sessionCompareAndSet(deps, caller.userId, sid, 'metadata', metadata, expectedVersion),
});
