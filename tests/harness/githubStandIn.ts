import { randomBytes, randomInt } from 'node:crypto';
import { useStandIn } from './thirdParty.ts';
import { image } from './uploads.ts';
import type { TestAccount, TestServerHandle } from './useTestServer.ts';

/** The OAuth app the GitHub tests configure; the secrets are random so a log scan can look for them. */
export const GITHUB_APP = {
    clientId: 'Iv1.test-client-id',
    clientSecret: `client-secret-${randomBytes(16).toString('hex')}`,
    redirectUrl: 'https://happy.example/v1/connect/github/callback',
    webhookSecret: `webhook-secret-${randomBytes(16).toString('hex')}`,
    appUrl: 'https://app.example',
};

export type GithubStandIn = ReturnType<typeof useStandIn>;

/** The environment of a server whose GitHub is `standIn` (OAuth and API on the same stand-in). */
export const githubEnv = (standIn: GithubStandIn) => ({
    GITHUB_CLIENT_ID: GITHUB_APP.clientId,
    GITHUB_CLIENT_SECRET: GITHUB_APP.clientSecret,
    GITHUB_REDIRECT_URL: GITHUB_APP.redirectUrl,
    GITHUB_WEBHOOK_SECRET: GITHUB_APP.webhookSecret,
    GITHUB_OAUTH_URL: standIn.url,
    GITHUB_API_URL: standIn.url,
    HAPPY_APP_URL: GITHUB_APP.appUrl,
});

export interface GithubUser {
    profile: { id: number; login: string; name: string | null; avatar_url: string; bio: string | null; [key: string]: unknown };
    accessToken: string;
    code: string;
    avatarPath: string;
    avatar: Buffer;
}

/** A fresh GitHub user (unique id and login) whose avatar the stand-in serves at `avatarPath`. */
export async function githubUser(standIn: GithubStandIn, overrides: Partial<GithubUser['profile']> = {}): Promise<GithubUser> {
    const id = randomInt(1, 2 ** 31);
    const avatarPath = `/avatars/u/${id}`;
    return {
        profile: {
            login: `octo-${id}`,
            id,
            node_id: `MDQ6VXNlcj${id}`,
            avatar_url: `${standIn.url}${avatarPath}?v=4`,
            type: 'User',
            name: '  Mona   Lisa  Octocat ',
            company: null,
            bio: 'Plays GitHub in tests',
            public_repos: 8,
            ...overrides,
        },
        accessToken: `gho_${randomBytes(18).toString('hex')}`,
        code: `code-${randomBytes(8).toString('hex')}`,
        avatarPath,
        avatar: await image('png', 64, 48),
    };
}

/** The stand-in answers as GitHub does for `user`: the code exchange, `/user` and the avatar. */
export function playGithub(standIn: GithubStandIn, user: GithubUser): void {
    standIn.on('POST', '/login/oauth/access_token', (request) =>
        request.json?.code === user.code
            ? { json: { access_token: user.accessToken, token_type: 'bearer', scope: 'read:user,user:email,read:org,codespace' } }
            : { json: { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' } },
    );
    standIn.on('GET', '/user', (request) =>
        request.headers.authorization === `Bearer ${user.accessToken}` ? { json: user.profile } : { status: 401, json: { message: 'Bad credentials' } },
    );
    standIn.on('GET', user.avatarPath, { body: user.avatar, headers: { 'content-type': 'image/png' } });
}

/** The `state` of a fresh authorize URL of the account. */
export async function githubState(account: TestAccount): Promise<string> {
    const params = await account.request('GET', '/v1/connect/github/params');
    if (params.status !== 200) throw new Error(`params answered ${params.status}`);
    return new URL(params.body.url).searchParams.get('state')!;
}

/** What the browser gets back from the callback: the status and where it is sent. */
export async function githubCallback(server: TestServerHandle, query: Record<string, string>): Promise<{ status: number; location: string | null; body: string }> {
    const response = await fetch(`${server.url}/v1/connect/github/callback?${new URLSearchParams(query)}`, { redirect: 'manual' });
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

/** The app URL the callback redirects to for `query`. */
export const appRedirect = (query: string) => `${GITHUB_APP.appUrl}?${query}`;
