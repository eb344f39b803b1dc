import { z } from 'zod';
import { exchangeCode, fetchUser } from '../../integrations/github.ts';
import { defineAction, ok } from '../action.ts';
import { githubLink } from './githubLink.ts';
import { consumeOAuthState } from './consumeOAuthState.ts';

/**
 * GET /v1/connect/github/callback (spec rest.md §3.12), where GitHub sends the browser back:
 * every outcome is a redirect to the app with the outcome in the query. The state must be one
 * this server issued for the GitHub round trip, unexpired and unused; the code is exchanged,
 * the user fetched and linked to the account the state names.
 */
export const githubCallback = defineAction({
    input: z.object({ code: z.string().max(1024), state: z.string().max(4096) }),
    async run(deps, _caller: null, { code, state }) {
        const back = (query: string) => ok({ location: `${deps.config.github.appUrl}?${query}` });
        try {
            const verified = await deps.oauthState.verify(state);
            if (!verified || !(await consumeOAuthState(deps.db.prisma, verified))) {
                deps.log.warn('GitHub callback with an invalid, expired or used state');
                return back('error=invalid_state');
            }
            const app = deps.config.github.oauth;
            if (!app) return back('error=server_config');
            const exchanged = await exchangeCode(deps, app, code);
            if ('error' in exchanged) {
                deps.log.warn({ githubError: exchanged.error.slice(0, 100) }, 'GitHub refused the OAuth code');
                return back(`error=${encodeURIComponent(exchanged.error)}`);
            }
            const profile = await fetchUser(deps, exchanged.accessToken);
            if (!profile) {
                deps.log.warn('GitHub refused the /user call with a fresh token');
                return back('error=github_user_fetch_failed');
            }
            await githubLink(deps, verified.userId, profile, exchanged.accessToken);
            return back(`github=connected&user=${encodeURIComponent(profile.login)}`);
        } catch (error) {
            deps.log.error({ err: error }, 'GitHub connect failed');
            return back('error=server_error');
        }
    },
});
