import { z } from 'zod';
import type { GithubConfig } from './githubConfig.ts';
import { jsonOf, type Outbound } from './outbound.ts';

/**
 * The two GitHub calls of the OAuth callback (spec rest.md §3.12), made as upstream made them:
 * the code exchange with a JSON body and `Accept: application/json`, then `GET /user` with the
 * new token as a Bearer. Answers GitHub gave on purpose come back as values; anything else (no
 * answer in time, a body that is not what GitHub sends) throws a GithubError.
 */

export class GithubError extends Error {}

/** GitHub's `/user` object, kept whole (it becomes the account's `github` profile); these keys are relied on. */
export const githubProfileSchema = z.looseObject({
    id: z.number().int().nonnegative(),
    login: z.string().min(1),
    avatar_url: z.url({ protocol: /^https?$/ }),
    name: z.string().nullish(),
});
export type GithubProfile = z.infer<typeof githubProfileSchema>;

const tokenAnswer = z.object({ access_token: z.string().min(1).optional(), error: z.string().min(1).optional() });

type Deps = { outbound: Outbound; config: { github: GithubConfig } };
type OAuthApp = NonNullable<GithubConfig['oauth']>;

/** The access token for `code`, or the error code GitHub answered with (`bad_verification_code`...). */
export async function exchangeCode(deps: Deps, app: OAuthApp, code: string): Promise<{ accessToken: string } | { error: string }> {
    const response = await deps.outbound.fetch(`${deps.config.github.oauthUrl}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: app.clientId, client_secret: app.clientSecret, code }),
    });
    const answer = tokenAnswer.safeParse(await jsonOf(response));
    if (!answer.success) throw new GithubError(`unexpected access-token answer (HTTP ${response.status})`);
    if (answer.data.error) return { error: answer.data.error };
    if (!response.ok || !answer.data.access_token) throw new GithubError(`no access token (HTTP ${response.status})`);
    return { accessToken: answer.data.access_token };
}

/** The user the token belongs to, or null when GitHub refused (any non-2xx). */
export async function fetchUser(deps: Deps, accessToken: string): Promise<GithubProfile | null> {
    const response = await deps.outbound.fetch(`${deps.config.github.apiUrl}/user`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github.v3+json' },
    });
    if (!response.ok) {
        await response.body?.cancel();
        return null;
    }
    const profile = githubProfileSchema.safeParse(await jsonOf(response));
    if (!profile.success) throw new GithubError('unexpected /user answer');
    return profile.data;
}
