import { z } from 'zod';
import { defineAction, ok } from '../action.ts';

/** What the Workers-generation clients schedule their next refresh by (30 days). */
const REFRESH_AFTER_SECONDS = 30 * 24 * 60 * 60;

/**
 * POST /v1/auth/refresh (spec workers.md §2.4): a fresh token of this server's persistent format
 * for the bearer's account. The route authenticates like every protected route, through the
 * revocation guard, so a token of a revoked account is refused (401), never refreshed. Tokens
 * here do not expire, so the old one stays valid, as it does on the Workers server; `expiresIn`
 * only tells the client when to ask again.
 */
export const authRefresh = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        return ok({ success: true, token: await deps.tokens.issue(caller.userId), expiresIn: REFRESH_AFTER_SECONDS });
    },
});
