import { describe, expect, it } from 'vitest';
import { ciphertext } from '../harness/sessions.ts';
import { useTestServer } from '../harness/useTestServer.ts';

// Token refresh and the account routes of the Workers-generation clients (spec workers.md §2.4).
const PROFILE_KEYS = ['id', 'timestamp', 'firstName', 'lastName', 'username', 'avatar', 'github', 'connectedServices'];

const isAccountUpdate = (u: any) => u.body.t === 'update-account';

describe('POST /v1/auth/refresh (spec workers.md §2.4)', () => {
    const server = useTestServer();

    it('returns a fresh token of this server for the same account, and the old one stays valid', async () => {
        const account = await server.account();
        const refreshed = await account.request('POST', '/v1/auth/refresh');
        expect(refreshed.status).toBe(200);
        expect(Object.keys(refreshed.body)).toEqual(['success', 'token', 'expiresIn']);
        expect(refreshed.body).toMatchObject({ success: true, expiresIn: 2592000 });
        expect(refreshed.body.token).not.toBe(account.token);
        expect(await server.deps.tokens.verify(refreshed.body.token)).toMatchObject({ userId: account.userId });
        expect((await server.request('GET', '/v1/account', { token: refreshed.body.token })).body.id).toBe(account.userId);
        expect((await account.request('GET', '/v1/account')).status).toBe(200);
        // A JSON content type with no body, as fetch clients send it.
        expect((await account.request('POST', '/v1/auth/refresh', { raw: '', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    });

    it('refuses missing, invalid and revoked tokens with the body the Workers clients read', async () => {
        const refused = (error: string) => ({ status: 401, body: { success: false, error, code: 'TOKEN_INVALID' } });
        expect(await server.request('POST', '/v1/auth/refresh')).toMatchObject(refused('Missing authorization header'));
        expect(await server.request('POST', '/v1/auth/refresh', { token: 'not-a-token' })).toMatchObject(refused('Invalid token'));

        const account = await server.account();
        const earlier = (await account.request('POST', '/v1/auth/refresh')).body.token;
        expect(await server.deps.revocations.revoke(account.userId)).not.toBeNull();
        for (const token of [account.token, earlier]) {
            expect(await server.request('POST', '/v1/auth/refresh', { token })).toMatchObject(refused('Invalid token'));
        }
    });
});

describe('account routes of the Workers-generation clients (spec workers.md §2.4)', () => {
    const server = useTestServer();

    it('GET /v1/account is the profile of GET /v1/account/profile', async () => {
        const account = await server.account();
        const got = await account.request('GET', '/v1/account');
        expect(got.status).toBe(200);
        expect(Object.keys(got.body)).toEqual(PROFILE_KEYS);
        expect(got.body).toMatchObject({ id: account.userId, firstName: null, lastName: null, username: null, github: null, connectedServices: [] });
        const profile = await account.request('GET', '/v1/account/profile');
        expect({ ...got.body, timestamp: 0 }).toEqual({ ...profile.body, timestamp: 0 });
    });

    it('PUT /v1/account changes the given fields, announces them, and answers with the profile', async () => {
        const account = await server.account();
        const app = await account.connect();
        const username = `ada-${account.userId.slice(-6)}`;

        const put = await account.request('PUT', '/v1/account', { body: { firstName: 'Ada', username } });
        expect(put.status).toBe(200);
        expect(Object.keys(put.body)).toEqual(['success', 'profile']);
        expect(Object.keys(put.body.profile)).toEqual(PROFILE_KEYS);
        expect(put.body).toMatchObject({ success: true, profile: { id: account.userId, firstName: 'Ada', lastName: null, username } });

        const update = await app.next('update', isAccountUpdate);
        expect(update.body).toEqual({ t: 'update-account', id: account.userId, firstName: 'Ada', username });
        expect(await server.deps.db.prisma.account.findUnique({ where: { id: account.userId }, select: { firstName: true, lastName: true, username: true } })).toEqual({
            firstName: 'Ada',
            lastName: null,
            username,
        });

        // Clearing a name; keys left out stay as they are.
        const cleared = await account.request('PUT', '/v1/account', { body: { firstName: null, lastName: 'Lovelace' } });
        expect(cleared.body.profile).toMatchObject({ firstName: null, lastName: 'Lovelace', username });
        expect((await app.next('update', (u) => isAccountUpdate(u) && u.seq > update.seq)).body).toEqual({
            t: 'update-account',
            id: account.userId,
            firstName: null,
            lastName: 'Lovelace',
        });

        // Nothing to change: the profile, and no update.
        const received = app.updates.length;
        expect((await account.request('PUT', '/v1/account', { body: {} })).body).toMatchObject({ success: true, profile: { lastName: 'Lovelace' } });
        expect(app.updates.length).toBe(received);
    });

    it('PUT /v1/account answers 409 username-taken for a username another account holds, and 400 for bad input', async () => {
        const first = await server.account();
        const second = await server.account();
        const username = `taken-${first.userId.slice(-6)}`;
        expect((await first.request('PUT', '/v1/account', { body: { username } })).status).toBe(200);
        // Keeping one's own username is no conflict.
        expect((await first.request('PUT', '/v1/account', { body: { username } })).status).toBe(200);

        expect(await second.request('PUT', '/v1/account', { body: { username, firstName: 'Eve' } })).toEqual(
            expect.objectContaining({ status: 409, body: { success: false, error: 'username-taken' } }),
        );
        expect((await server.deps.db.prisma.account.findUnique({ where: { id: second.userId } }))!.firstName).toBeNull();

        for (const body of [{ username: '' }, { username: 'has space' }, { username: 'x'.repeat(65) }, { firstName: 5 }, { lastName: 'a\u0000' }, { username: null }]) {
            expect((await second.request('PUT', '/v1/account', { body })).status).toBe(400);
        }
        expect((await server.request('PUT', '/v1/account', { body: {} })).status).toBe(401);
    });

    it('GET/PUT /v1/account/preferences are the settings document, with its version check and update', async () => {
        const account = await server.account();
        const other = await server.account();
        const app = await account.connect();

        expect(await account.request('GET', '/v1/account/preferences')).toMatchObject({ status: 200, body: { settings: null, settingsVersion: 0 } });
        const settings = ciphertext();
        const put = await account.request('PUT', '/v1/account/preferences', { body: { settings, expectedVersion: 0 } });
        expect(put).toMatchObject({ status: 200, body: { success: true, version: 1 } });
        expect(Object.keys(put.body)).toEqual(['success', 'version']);
        expect((await app.next('update', isAccountUpdate)).body).toEqual({ t: 'update-account', id: account.userId, settings: { value: settings, version: 1 } });

        const stale = await account.request('PUT', '/v1/account/preferences', { body: { settings: ciphertext(), expectedVersion: 0 } });
        expect(stale.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 1, currentSettings: settings });
        expect((await account.request('GET', '/v1/account/settings')).body).toEqual({ settings, settingsVersion: 1 });
        expect((await other.request('GET', '/v1/account/preferences')).body).toEqual({ settings: null, settingsVersion: 0 });

        for (const body of [{}, { settings: 'x' }, { settings: 'x', expectedVersion: -1 }, { settings: 5, expectedVersion: 0 }]) {
            expect((await account.request('PUT', '/v1/account/preferences', { body })).status).toBe(400);
        }
    });
});
