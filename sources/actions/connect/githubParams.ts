import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';

/** What upstream asked GitHub for; the app's flows expect these grants. */
const GITHUB_SCOPES = 'read:user,user:email,read:org,codespace';

/**
 * GET /v1/connect/github/params (spec rest.md §3.12): the GitHub authorize URL for the caller,
 * with a fresh 5-minute state that names the caller and its purpose.
 */
export const githubParams = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const { oauth, oauthUrl } = deps.config.github;
        if (!oauth) return fail('bad-request', 'GitHub OAuth not configured');
        const query = new URLSearchParams({
            client_id: oauth.clientId,
            redirect_uri: oauth.redirectUrl,
            scope: GITHUB_SCOPES,
            state: await deps.oauthState.issue(caller.userId),
        });
        return ok({ url: `${oauthUrl}/login/oauth/authorize?${query.toString()}` });
    },
});
