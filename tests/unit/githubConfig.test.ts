import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../sources/config.ts';

const OAUTH = { GITHUB_CLIENT_ID: 'Iv1.abc', GITHUB_CLIENT_SECRET: 's3cret', GITHUB_REDIRECT_URL: 'https://api.example/v1/connect/github/callback' };

describe('GitHub configuration', () => {
    it('is off without variables, with upstream base URLs', () => {
        expect(loadConfig({}).github).toEqual({
            oauth: undefined,
            webhookSecret: undefined,
            oauthUrl: 'https://github.com',
            apiUrl: 'https://api.github.com',
            appUrl: 'https://app.happy.engineering',
        });
    });

    it('takes the OAuth app, the webhook secret and base URLs (without a trailing slash)', () => {
        const config = loadConfig({
            ...OAUTH,
            GITHUB_WEBHOOK_SECRET: 'wh',
            GITHUB_OAUTH_URL: 'https://ghe.example/',
            GITHUB_API_URL: 'https://ghe.example/api/v3/',
            HAPPY_APP_URL: 'http://localhost:8081/',
        });
        expect(config.github).toEqual({
            oauth: { clientId: 'Iv1.abc', clientSecret: 's3cret', redirectUrl: OAUTH.GITHUB_REDIRECT_URL },
            webhookSecret: 'wh',
            oauthUrl: 'https://ghe.example',
            apiUrl: 'https://ghe.example/api/v3',
            appUrl: 'http://localhost:8081',
        });
        // Upstream's two spellings of the redirect variable both work; _URL wins.
        const { GITHUB_REDIRECT_URL: redirect, ...rest } = OAUTH;
        expect(loadConfig({ ...rest, GITHUB_REDIRECT_URI: redirect }).github.oauth?.redirectUrl).toBe(redirect);
        expect(loadConfig({ ...OAUTH, GITHUB_REDIRECT_URI: 'https://other.example/cb' }).github.oauth?.redirectUrl).toBe(redirect);
        // The webhook needs only its secret (upstream also wanted the App id and key).
        expect(loadConfig({ GITHUB_WEBHOOK_SECRET: 'wh' }).github).toMatchObject({ oauth: undefined, webhookSecret: 'wh' });
    });

    it('stops start-up on half an OAuth app or a bad URL, naming the variable', () => {
        expect(() => loadConfig({ GITHUB_CLIENT_ID: 'x' })).toThrow(ConfigError);
        expect(() => loadConfig({ GITHUB_CLIENT_ID: 'x' })).toThrow(/GITHUB_CLIENT_SECRET.*\n.*GITHUB_REDIRECT_URL/);
        expect(() => loadConfig({ ...OAUTH, GITHUB_CLIENT_SECRET: '' })).toThrow(/GITHUB_CLIENT_SECRET: required/);
        expect(() => loadConfig({ ...OAUTH, GITHUB_REDIRECT_URL: 'not a url' })).toThrow(/GITHUB_REDIRECT_URL/);
        expect(() => loadConfig({ GITHUB_API_URL: 'ftp://github.example' })).toThrow(/GITHUB_API_URL/);
        expect(() => loadConfig({ GITHUB_OAUTH_URL: 'github.com' })).toThrow(/GITHUB_OAUTH_URL/);
        expect(() => loadConfig({ HAPPY_APP_URL: 'app' })).toThrow(/HAPPY_APP_URL/);
    });
});
