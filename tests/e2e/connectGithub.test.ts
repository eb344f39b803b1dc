import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { deriveSigningKey, signToken } from '../../sources/auth/jwt.ts';
import { createKeyTree } from '../../sources/auth/keyTree.ts';
import { createLogger } from '../../sources/monitoring/log.ts';
import { appRedirect, GITHUB_APP, githubCallback, githubEnv, githubState, githubUser, playGithub, type GithubUser } from '../harness/githubStandIn.ts';
import { captureLines, findSecrets } from '../harness/logScan.ts';
import { roundTrip } from '../harness/socketClient.ts';
import { DEV_MASTER_SECRET } from '../harness/testServer.ts';
import { useStandIn } from '../harness/thirdParty.ts';
import type { TestAccount } from '../harness/useTestServer.ts';
import { useTestServer } from '../harness/useTestServer.ts';

const ACCOUNT_UPDATE_KEYS = ['t', 'id', 'github', 'username', 'firstName', 'lastName', 'avatar'];
const isGithubUpdate = (u: any) => u.body.t === 'update-account' && 'github' in u.body;

describe('GitHub connect against a stand-in GitHub (spec rest.md §3.12)', () => {
    const standIn = useStandIn();
    const logged = captureLines();
    const server = useTestServer({ env: () => githubEnv(standIn), log: createLogger('debug', { destination: logged.destination }) });
    const prisma = () => server.deps.db.prisma;
    const secrets: string[] = [GITHUB_APP.clientSecret];

    async function link(account: TestAccount, user: GithubUser) {
        secrets.push(user.accessToken);
        playGithub(standIn, user);
        const state = await githubState(account);
        secrets.push(state);
        return { state, reply: await githubCallback(server, { code: user.code, state }) };
    }

    it('hands out the authorize URL with a single-purpose 5-minute state', async () => {
        const a = await server.account();
        const before = Math.floor(Date.now() / 1000);
        const params = await a.request('GET', '/v1/connect/github/params');
        expect(params.status).toBe(200);
        expect(Object.keys(params.body)).toEqual(['url']);
        const url: string = params.body.url;
        const state = new URL(url).searchParams.get('state')!;
        expect(url).toBe(
            `${standIn.url}/login/oauth/authorize?client_id=Iv1.test-client-id&redirect_uri=${encodeURIComponent(GITHUB_APP.redirectUrl)}` +
                `&scope=read%3Auser%2Cuser%3Aemail%2Cread%3Aorg%2Ccodespace&state=${state}`,
        );
        expect(decodeProtectedHeader(state)).toEqual({ alg: 'EdDSA' });
        const claims = decodeJwt(state);
        expect(Object.keys(claims)).toEqual(['sub', 'purpose', 'iat', 'nbf', 'exp', 'iss', 'jti']);
        expect(claims).toMatchObject({ sub: a.userId, purpose: 'github-oauth', iss: 'github-happy' });
        expect(claims.iat).toBeGreaterThanOrEqual(before);
        expect(claims.exp).toBe(claims.iat! + 300);
        // A second call gets another state.
        expect(await githubState(a)).not.toBe(state);
        expect(await server.request('GET', '/v1/connect/github/params')).toMatchObject({ status: 401 });
    });

    it('links the account: code exchange, /user, avatar, stored rows, update-account and profile', async () => {
        const a = await server.account();
        const app = await a.connect();
        const cli = await a.connect({ clientType: 'session-scoped', sessionId: 'some-session' });
        const user = await githubUser(standIn);

        const { reply } = await link(a, user);
        expect(reply.status).toBe(302);
        expect(reply.location).toBe(appRedirect(`github=connected&user=${user.profile.login}`));

        // What GitHub saw: the code exchange with the app's credentials, then /user with the token.
        const [exchange, me, avatar] = standIn.requests;
        expect(standIn.requests).toHaveLength(3);
        expect(exchange).toMatchObject({ method: 'POST', path: '/login/oauth/access_token' });
        expect(exchange!.headers.accept).toBe('application/json');
        expect(exchange!.json).toEqual({ client_id: GITHUB_APP.clientId, client_secret: GITHUB_APP.clientSecret, code: user.code });
        expect(me).toMatchObject({ method: 'GET', path: '/user' });
        expect(me!.headers.authorization).toBe(`Bearer ${user.accessToken}`);
        expect(me!.headers.accept).toBe('application/vnd.github.v3+json');
        expect(avatar).toMatchObject({ method: 'GET', path: user.avatarPath });
        expect(avatar!.headers.authorization).toBeUndefined();

        const update = await app.next('update', isGithubUpdate);
        expect(Object.keys(update.body)).toEqual(ACCOUNT_UPDATE_KEYS);
        const path: string = update.body.avatar.path;
        expect(path).toMatch(new RegExp(`^public/users/${a.userId}/avatars/github_[A-Za-z0-9]{24}\\.png$`));
        const avatarView = { path, width: 64, height: 48, thumbhash: update.body.avatar.thumbhash, url: `${server.deps.config.publicUrl}/files/${path}` };
        expect(update.body).toEqual({
            t: 'update-account',
            id: a.userId,
            github: user.profile,
            username: user.profile.login,
            firstName: 'Mona',
            lastName: 'Lisa Octocat',
            avatar: avatarView,
        });
        expect(update.seq).toBe(1);

        const account = await prisma().account.findUniqueOrThrow({ where: { id: a.userId } });
        expect(account).toMatchObject({ githubUserId: String(user.profile.id), username: user.profile.login, firstName: 'Mona', lastName: 'Lisa Octocat', seq: 1 });
        expect(account.avatar).toEqual({ path, width: 64, height: 48, thumbhash: avatarView.thumbhash });
        const githubRow = await prisma().githubUser.findUniqueOrThrow({ where: { id: String(user.profile.id) } });
        expect(githubRow.profile).toEqual(user.profile);
        // The OAuth token at rest is upstream's KeyTree blob for the Happy account that connected.
        expect(Buffer.from(githubRow.token!).includes(Buffer.from(user.accessToken))).toBe(false);
        expect(await createKeyTree(DEV_MASTER_SECRET).decrypt(['user', a.userId, 'github', 'token'], githubRow.token!)).toBe(user.accessToken);
        expect(await prisma().uploadedFile.findFirst({ where: { accountId: a.userId, path } })).toMatchObject({
            width: 64,
            height: 48,
            reuseKey: `image-url:${user.profile.avatar_url}`,
        });
        // The original bytes, publicly served.
        const served = await fetch(`${server.url}/files/${path}`);
        expect(served.status).toBe(200);
        expect(Buffer.from(await served.arrayBuffer()).equals(user.avatar)).toBe(true);

        const profile = await a.request('GET', '/v1/account/profile');
        expect(profile.body).toMatchObject({ username: user.profile.login, firstName: 'Mona', lastName: 'Lisa Octocat', github: user.profile, avatar: avatarView });

        await roundTrip(cli);
        expect(cli.updates).toEqual([]);
    });

    it('accepts a state once only, and refuses tokens of another purpose, key or age', async () => {
        const a = await server.account();
        const user = await githubUser(standIn);
        const { state, reply } = await link(a, user);
        expect(reply.location).toBe(appRedirect(`github=connected&user=${user.profile.login}`));
        standIn.requests.length = 0;

        const again = await githubCallback(server, { code: user.code, state });
        expect(again).toMatchObject({ status: 302, location: appRedirect('error=invalid_state') });

        const stateKey = await deriveSigningKey(DEV_MASTER_SECRET, 'github-happy', 'github-happy Ephemeral Token');
        const refused = [
            'not-a-token',
            a.token, // a bearer token: another key and issuer
            await signToken(stateKey, { sub: a.userId, ttlSeconds: 300 }), // upstream's state: no purpose
            await signToken(stateKey, { sub: a.userId, extras: { purpose: 'something-else' }, ttlSeconds: 300 }),
            await signToken(stateKey, { sub: a.userId, extras: { purpose: 'github-oauth' }, iat: Math.floor(Date.now() / 1000) - 301, ttlSeconds: 300 }),
            `${state.slice(0, -4)}AAAA`,
        ];
        for (const token of refused) {
            expect(await githubCallback(server, { code: user.code, state: token })).toMatchObject({ status: 302, location: appRedirect('error=invalid_state') });
        }
        expect(standIn.requests).toEqual([]);
    });

    it('moves a GitHub user to the account that links it last and tells the previous one', async () => {
        const first = await server.account();
        const second = await server.account();
        const firstApp = await first.connect();
        const secondApp = await second.connect();
        const user = await githubUser(standIn);
        await link(first, user);
        await firstApp.next('update', isGithubUpdate);
        const firstAvatar = (await prisma().account.findUniqueOrThrow({ where: { id: first.userId } })).avatar;

        const { reply } = await link(second, user);
        expect(reply.location).toBe(appRedirect(`github=connected&user=${user.profile.login}`));
        const unlinked = await firstApp.next('update', (u) => isGithubUpdate(u) && u.body.github === null);
        expect(unlinked.body).toEqual({ t: 'update-account', id: first.userId, github: null, username: null });
        expect(Object.keys(unlinked.body)).toEqual(['t', 'id', 'github', 'username']);
        const linked = await secondApp.next('update', isGithubUpdate);
        expect(linked.body).toMatchObject({ id: second.userId, username: user.profile.login, github: user.profile });

        // Names and avatar stay with the previous account; the GitHub user and its token move.
        expect(await prisma().account.findUniqueOrThrow({ where: { id: first.userId } })).toMatchObject({
            githubUserId: null,
            username: null,
            firstName: 'Mona',
            avatar: firstAvatar,
        });
        expect(await prisma().account.findUniqueOrThrow({ where: { id: second.userId } })).toMatchObject({ githubUserId: String(user.profile.id) });
        const row = await prisma().githubUser.findUniqueOrThrow({ where: { id: String(user.profile.id) } });
        expect(await server.deps.keyTree.decrypt(['user', second.userId, 'github', 'token'], row.token!)).toBe(user.accessToken);
        expect((await first.request('GET', '/v1/account/profile')).body).toMatchObject({ github: null, username: null });

        await roundTrip(secondApp);
        expect(secondApp.updates.filter(isGithubUpdate)).toHaveLength(1);
    });

    it('leaves an account linked to the same GitHub user as it is, and replaces another GitHub user', async () => {
        const a = await server.account();
        const app = await a.connect();
        const user = await githubUser(standIn);
        await link(a, user);
        await app.next('update', isGithubUpdate);
        standIn.requests.length = 0;

        const same = await link(a, user);
        expect(same.reply.location).toBe(appRedirect(`github=connected&user=${user.profile.login}`));
        expect(standIn.requests.map((r) => r.path)).toEqual(['/login/oauth/access_token', '/user']);
        await roundTrip(app);
        expect(app.updates.filter(isGithubUpdate)).toHaveLength(1);

        const other = await githubUser(standIn, { name: 'Hubot' });
        const switched = await link(a, other);
        expect(switched.reply.location).toBe(appRedirect(`github=connected&user=${other.profile.login}`));
        const update = await app.next('update', (u) => isGithubUpdate(u) && u.body.username === other.profile.login);
        expect(update.body).toMatchObject({ firstName: 'Hubot', lastName: null, github: other.profile });
        expect(await prisma().githubUser.findUnique({ where: { id: String(user.profile.id) } })).toBeNull();
        expect(await prisma().account.findUniqueOrThrow({ where: { id: a.userId } })).toMatchObject({ githubUserId: String(other.profile.id), seq: 2 });
    });

    it('reuses an avatar the account already stored from the same URL', async () => {
        const a = await server.account();
        const user = await githubUser(standIn);
        await link(a, user);
        await a.request('DELETE', '/v1/connect/github');
        standIn.requests.length = 0;

        await link(a, user);
        expect(standIn.requests.map((r) => r.path)).toEqual(['/login/oauth/access_token', '/user']);
        const files = await prisma().uploadedFile.findMany({ where: { accountId: a.userId } });
        expect(files).toHaveLength(1);
        expect((await prisma().account.findUniqueOrThrow({ where: { id: a.userId } })).avatar).toMatchObject({ path: files[0]!.path });
    });

    it('unlinks: clears the link and username, forgets the GitHub user, tells the account once', async () => {
        const a = await server.account();
        const app = await a.connect();
        const user = await githubUser(standIn);
        await link(a, user);
        await app.next('update', isGithubUpdate);

        const removed = await a.request('DELETE', '/v1/connect/github');
        expect(removed.status).toBe(200);
        expect(removed.body).toEqual({ success: true });
        const update = await app.next('update', (u) => isGithubUpdate(u) && u.body.github === null);
        expect(update.body).toEqual({ t: 'update-account', id: a.userId, github: null, username: null });
        expect(update.seq).toBe(2);
        expect(await prisma().account.findUniqueOrThrow({ where: { id: a.userId } })).toMatchObject({
            githubUserId: null,
            username: null,
            firstName: 'Mona',
            lastName: 'Lisa Octocat',
        });
        expect(await prisma().githubUser.findUnique({ where: { id: String(user.profile.id) } })).toBeNull();

        // Not linked: nothing to do, nothing announced.
        expect(await a.request('DELETE', '/v1/connect/github')).toMatchObject({ status: 200, body: { success: true } });
        await roundTrip(app);
        expect(app.updates.map((u) => u.seq)).toEqual([1, 2]);
        expect(await server.request('DELETE', '/v1/connect/github')).toMatchObject({ status: 401 });
    });

    it('never logs the OAuth state, the access token or the client secret', async () => {
        expect(logged.lines.length).toBeGreaterThan(0);
        expect(findSecrets(logged.lines, secrets)).toEqual([]);
    });
});
