import { z } from 'zod';
import { serviceUrl } from './voicePushConfig.ts';

/**
 * GitHub connect (spec rest.md §3.12), all optional. The OAuth app (client id, secret, redirect
 * URL) links accounts; the webhook secret alone enables `POST /v1/connect/github/webhook`.
 * Upstream also wanted GITHUB_APP_ID and GITHUB_PRIVATE_KEY before it verified a webhook, for an
 * Octokit App it never used; they are not needed here. The base URLs let an operator (or a test)
 * point the server at something other than github.com.
 */
export interface GithubConfig {
    /** Set when the OAuth app is complete (client id, secret and redirect URL). */
    oauth: { clientId: string; clientSecret: string; redirectUrl: string } | undefined;
    webhookSecret: string | undefined;
    /** Authorize and access-token endpoints: `${oauthUrl}/login/oauth/...`. */
    oauthUrl: string;
    /** `${apiUrl}/user`. */
    apiUrl: string;
    /** Where the OAuth callback sends the browser back, with the outcome in its query. */
    appUrl: string;
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const text = z.preprocess(emptyAsUndefined, z.string().optional());
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** The GITHUB_* variables (and HAPPY_APP_URL), merged into config.ts's environment schema. */
export const githubEnvShape = {
    GITHUB_CLIENT_ID: text,
    GITHUB_CLIENT_SECRET: text,
    /** Upstream's params route read GITHUB_REDIRECT_URL, its GitHub module GITHUB_REDIRECT_URI (rest.md weak spot 28). */
    GITHUB_REDIRECT_URL: z.preprocess(emptyAsUndefined, httpUrl.optional()),
    GITHUB_REDIRECT_URI: z.preprocess(emptyAsUndefined, httpUrl.optional()),
    GITHUB_WEBHOOK_SECRET: text,
    GITHUB_OAUTH_URL: serviceUrl('https://github.com'),
    GITHUB_API_URL: serviceUrl('https://api.github.com'),
    HAPPY_APP_URL: serviceUrl('https://app.happy.engineering'),
};

type GithubEnv = z.output<z.ZodObject<typeof githubEnvShape>>;

/**
 * Returns the GitHub configuration, or the problems that stop start-up: half an OAuth app would
 * only fail later, in a user's browser.
 */
export function githubConfig(env: GithubEnv): GithubConfig | string[] {
    const parts = {
        GITHUB_CLIENT_ID: env.GITHUB_CLIENT_ID,
        GITHUB_CLIENT_SECRET: env.GITHUB_CLIENT_SECRET,
        GITHUB_REDIRECT_URL: env.GITHUB_REDIRECT_URL ?? env.GITHUB_REDIRECT_URI,
    };
    const missing = Object.entries(parts).filter(([, value]) => !value).map(([name]) => name);
    if (missing.length > 0 && missing.length < 3) {
        return missing.map((name) => `${name}: required with the other GitHub OAuth variables (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, GITHUB_REDIRECT_URL)`);
    }
    const { GITHUB_CLIENT_ID: clientId, GITHUB_CLIENT_SECRET: clientSecret, GITHUB_REDIRECT_URL: redirectUrl } = parts;
    return {
        oauth: clientId && clientSecret && redirectUrl ? { clientId, clientSecret, redirectUrl } : undefined,
        webhookSecret: env.GITHUB_WEBHOOK_SECRET,
        oauthUrl: env.GITHUB_OAUTH_URL,
        apiUrl: env.GITHUB_API_URL,
        appUrl: env.HAPPY_APP_URL,
    };
}
