import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { loadProfiles } from './userProfile.ts';

const SEARCH_LIMIT = 10;

/**
 * GET /v1/user/search?query= (spec rest.md §3.10): the first ten accounts, by username, whose
 * username starts with the query, ignoring case.
 *
 * Fixed against upstream (rest.md §7.15, §7.21): `starts_with` instead of LIKE, so `%`, `_` and
 * `\` are plain characters and `%` no longer lists everyone; an empty query finds nobody (the
 * app never searches with one); the relationships come in one query, not one per user.
 */
export const userSearch = defineAction({
    input: z.object({ query: storableString(z.string().max(100)) }),
    async run(deps, caller, { query }) {
        if (query === '') return ok({ users: [] });
        const prisma = deps.db.prisma;
        const matches = await prisma.$queryRaw<Array<{ id: string }>>`
            SELECT "id" FROM "Account"
            WHERE starts_with(lower("username"), lower(${query}))
            ORDER BY "username" ASC
            LIMIT ${SEARCH_LIMIT}`;
        const users = await loadProfiles(prisma, deps.config, caller.userId, matches.map((m) => m.id));
        return ok({ users });
    },
});
