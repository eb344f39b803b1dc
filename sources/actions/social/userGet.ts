import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { userId } from './relationships.ts';
import { loadProfiles } from './userProfile.ts';

/** GET /v1/user/:id (spec rest.md §3.10): any account's public profile, by its unguessable id. */
export const userGet = defineAction({
    input: z.object({ id: userId }),
    async run(deps, caller, { id }) {
        const [user] = await loadProfiles(deps.db.prisma, deps.config, caller.userId, [id]);
        if (!user) return fail('not-found', 'User not found');
        return ok({ user });
    },
});
