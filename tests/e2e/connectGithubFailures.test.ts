import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appRedirect, GITHUB_APP, githubCallback, githubEnv, githubState, githubUser, playGithub } from '../harness/githubStandIn.ts';
import { roundTrip } from '../harness/socketClient.ts';
import type { StandInReply } from '../harness/thirdParty.ts';
import { useStandIn } from '../harness/thirdParty.ts';
import { image } from '../harness/uploads.ts';
import { useTestServer, type TestServerHandle } from '../harness/useTestServer.ts';

const VALIDATION = { error: 'Error', statusCode: 400 };

const sign = (secret: string, body: string | Buffer) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function webhook(server: TestServerHandle, body: string, headers: Record<string, string>) {
    return server.request('POST', '/v1/connect/github/webhook', { raw: body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('GitHub connect when GitHub answers badly (spec rest.md §3.12)', () => {
    const standIn = useStandIn();
    const server = useTestServer({ env: () => githubEnv(standIn) });
    const prisma = () => server.deps.db.prisma;

    /**
     * Runs the callback with `route` answering as given (the rest of GitHub playing along) and
     * checks that the account stayed as it was: no link, no avatar, no update, no stored file.
     */
    async function failingLink(route: [method: string, path: string] | 'avatar', reply: StandInReply, profile = {}) {
        const a = await server.account();
        const app = await a.connect();
        const user = await githubUser(standIn, profile);
        playGithub(standIn, user);
        const [method, path] = route === 'avatar' ? ['GET', user.avatarPath] : route;
        standIn.on(method, path, reply);
        const result = await githubCallback(server, { code: user.code, state: await githubState(a) });
        expect(await prisma().account.findUniqueOrThrow({ where: { id: a.userId } })).toMatchObject({ githubUserId: null, username: null, avatar: null, seq: 0 });
        expect(await prisma().githubUser.findUnique({ where: { id: String(user.profile.id) } })).toBeNull();
        expect(await prisma().uploadedFile.count({ where: { accountId: a.userId } })).toBe(0);
        expect(await server.deps.files.list(`public/users/${a.userId}/`)).toEqual([]);
        await roundTrip(app);
        expect(app.updates).toEqual([]);
        return { result, user, account: a };
    }

    it('passes on the error code GitHub answers the code exchange with', async () => {
        const { result } = await failingLink(['POST', '/login/oauth/access_token'], { json: { error: 'bad verification/code', error_description: 'no' } });
        expect(result).toMatchObject({ status: 302, location: appRedirect('error=bad%20verification%2Fcode') });
        expect(standIn.requests.map((r) => r.path)).toEqual(['/login/oauth/access_token']);
    });

    it('answers server_error when the code exchange fails, is cut or makes no sense', async () => {
        const replies: StandInReply[] = [
            { status: 502, body: '<html>Bad gateway</html>', headers: { 'content-type': 'text/html' } },
            { status: 200, body: 'access_token=gho_x&scope=' },
            { json: { token_type: 'bearer' } },
            { json: { access_token: 42 } },
            'reset',
        ];
        for (const reply of replies) {
            standIn.requests.length = 0;
            const { result } = await failingLink(['POST', '/login/oauth/access_token'], reply);
            expect(result, JSON.stringify(reply)).toMatchObject({ status: 302, location: appRedirect('error=server_error') });
            expect(standIn.requests.map((r) => r.path)).toEqual(['/login/oauth/access_token']);
        }
    });

    it('answers server_error when GitHub does not answer the code exchange in time', async () => {
        const { result } = await failingLink(['POST', '/login/oauth/access_token'], 'hang');
        expect(result).toMatchObject({ status: 302, location: appRedirect('error=server_error') });
    });

    it('answers github_user_fetch_failed when /user refuses, server_error when its answer makes no sense', async () => {
        for (const status of [401, 403, 500]) {
            standIn.requests.length = 0;
            const { result } = await failingLink(['GET', '/user'], { status, json: { message: 'Bad credentials' } });
            expect(result).toMatchObject({ status: 302, location: appRedirect('error=github_user_fetch_failed') });
        }
        for (const reply of [{ json: { id: 'not-a-number', login: 'x' } }, { body: 'not json' }, 'reset'] as StandInReply[]) {
            standIn.requests.length = 0;
            const { result } = await failingLink(['GET', '/user'], reply);
            expect(result, JSON.stringify(reply)).toMatchObject({ status: 302, location: appRedirect('error=server_error') });
        }
    });

    it('answers server_error when the avatar is missing, not PNG or JPEG, or not an image', async () => {
        const gif = await image('gif', 10, 10);
        for (const reply of [{ status: 404, body: 'gone' }, { body: gif, headers: { 'content-type': 'image/png' } }, { body: 'not an image' }] as StandInReply[]) {
            standIn.requests.length = 0;
            const { result } = await failingLink('avatar', reply);
            expect(result).toMatchObject({ status: 302, location: appRedirect('error=server_error') });
            expect(standIn.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'GET']);
        }
    });

    it('links a JPEG avatar', async () => {
        const a = await server.account();
        const user = await githubUser(standIn);
        user.avatar = await image('jpeg', 30, 60);
        playGithub(standIn, user);
        const result = await githubCallback(server, { code: user.code, state: await githubState(a) });
        expect(result.location).toBe(appRedirect(`github=connected&user=${user.profile.login}`));
        const avatar = (await prisma().account.findUniqueOrThrow({ where: { id: a.userId } })).avatar as { path: string };
        expect(avatar).toMatchObject({ width: 30, height: 60 });
        expect(avatar.path).toMatch(/\/github_[A-Za-z0-9]{24}\.jpg$/);
    });

    it('answers server_error, and stores nothing, when another account holds the GitHub login as username', async () => {
        const holder = await server.account();
        const user = await githubUser(standIn);
        await prisma().account.update({ where: { id: holder.userId }, data: { username: user.profile.login } });
        standIn.requests.length = 0;
        const a = await server.account();
        playGithub(standIn, user);
        const result = await githubCallback(server, { code: user.code, state: await githubState(a) });
        expect(result).toMatchObject({ status: 302, location: appRedirect('error=server_error') });
        // The avatar was downloaded and stored, then went again with the failed transaction.
        expect(standIn.requests.map((r) => r.path)).toContain(user.avatarPath);
        expect(await server.deps.files.list(`public/users/${a.userId}/`)).toEqual([]);
        expect(await prisma().uploadedFile.count({ where: { accountId: a.userId } })).toBe(0);
        expect(await prisma().account.findUniqueOrThrow({ where: { id: a.userId } })).toMatchObject({ githubUserId: null, seq: 0 });
    });

    it('answers server_error when the account of the state is gone', async () => {
        const user = await githubUser(standIn);
        playGithub(standIn, user);
        const state = await server.deps.oauthState.issue('cnosuchaccount000000000000');
        expect(await githubCallback(server, { code: user.code, state })).toMatchObject({ status: 302, location: appRedirect('error=server_error') });
    });

    it('refuses a callback without code or state with a validation 400', async () => {
        for (const query of [{ code: 'x' }, { state: 'y' }, {}] as Array<Record<string, string>>) {
            const result = await githubCallback(server, query);
            expect(result.status).toBe(400);
            expect(JSON.parse(result.body)).toMatchObject(VALIDATION);
        }
        expect(standIn.requests).toEqual([]);
    });

    it('acknowledges a signed webhook delivery whatever its content type', async () => {
        const body = JSON.stringify({ action: 'created', installation: { id: 1 } });
        const headers = { 'x-hub-signature-256': sign(GITHUB_APP.webhookSecret, body), 'x-github-event': 'installation', 'x-github-delivery': 'd-1' };
        const received = await webhook(server, body, headers);
        expect(received.status).toBe(200);
        expect(received.body).toEqual({ received: true });
        for (const type of ['application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded']) {
            expect(await webhook(server, body, { ...headers, 'content-type': type }), type).toMatchObject({ status: 200, body: { received: true } });
        }
        // The signature covers the raw bytes: the same JSON with other spacing is another body.
        const respaced = JSON.stringify(JSON.parse(body), null, 2);
        expect(await webhook(server, respaced, headers)).toMatchObject({ status: 401 });
    });

    it('answers what the caller got wrong with a 4xx', async () => {
        const body = '{"zen":"Keep it logically awesome."}';
        const good = { 'x-hub-signature-256': sign(GITHUB_APP.webhookSecret, body), 'x-github-event': 'ping' };
        for (const signature of [sign('another-secret', body), 'sha256=', 'sha1=0123', sign(GITHUB_APP.webhookSecret, body).toUpperCase().replace('SHA256', 'sha1')]) {
            expect(await webhook(server, body, { ...good, 'x-hub-signature-256': signature })).toMatchObject({ status: 401, body: { error: 'Invalid signature' } });
        }
        expect(await webhook(server, body, { 'x-github-event': 'ping' })).toMatchObject({ status: 400, body: VALIDATION });
        expect(await webhook(server, body, { 'x-hub-signature-256': good['x-hub-signature-256'] })).toMatchObject({ status: 400, body: VALIDATION });
        expect(await webhook(server, '', { ...good, 'x-hub-signature-256': sign(GITHUB_APP.webhookSecret, '') })).toMatchObject({
            status: 400,
            body: { error: 'Missing request body' },
        });
        const notJson = 'payload=%7B%7D';
        expect(await webhook(server, notJson, { ...good, 'x-hub-signature-256': sign(GITHUB_APP.webhookSecret, notJson) })).toMatchObject({
            status: 400,
            body: { error: 'Invalid payload' },
        });
    });
});

describe('GitHub connect without its variables', () => {
    const server = useTestServer();

    it('starts and answers with the documented "not configured" errors', async () => {
        const a = await server.account();
        const params = await a.request('GET', '/v1/connect/github/params');
        expect(params.status).toBe(400);
        expect(params.body).toEqual({ error: 'GitHub OAuth not configured' });

        // A state this server signed (the OAuth app was configured when it was issued, say).
        const state = await server.deps.oauthState.issue(a.userId);
        expect(await githubCallback(server, { code: 'c', state })).toMatchObject({ status: 302, location: 'https://app.happy.engineering?error=server_config' });
        expect(await githubCallback(server, { code: 'c', state: 'junk' })).toMatchObject({
            status: 302,
            location: 'https://app.happy.engineering?error=invalid_state',
        });

        const body = '{}';
        const delivery = await webhook(server, body, { 'x-hub-signature-256': sign('any', body), 'x-github-event': 'ping' });
        expect(delivery.status).toBe(500);
        expect(delivery.body).toEqual({ error: 'Webhooks not configured' });

        expect(await a.request('DELETE', '/v1/connect/github')).toMatchObject({ status: 200, body: { success: true } });
        expect(await a.request('GET', '/v1/connect/tokens')).toMatchObject({ status: 200, body: { tokens: [] } });
    });
});
