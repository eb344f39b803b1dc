import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { roundTrip } from '../harness/socketClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';

// Key orders of spec rest.md §3.9 and realtime.md §6.2.
const PROFILE_KEYS = ['id', 'timestamp', 'firstName', 'lastName', 'username', 'avatar', 'github', 'connectedServices'];
const MISMATCH_KEYS = ['success', 'error', 'currentVersion', 'currentSettings'];
const ENVELOPE_KEYS = ['id', 'seq', 'body', 'createdAt'];

const IOS_STORE = 'https://apps.apple.com/us/app/happy-claude-code-client/id6748571505';
const ANDROID_STORE = 'https://play.google.com/store/apps/details?id=com.ex3ndr.happy';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const isAccountUpdate = (version: number) => (u: any) => u.body.t === 'update-account' && u.body.settings?.version === version;

describe('account profile, settings and version check (spec rest.md §3.9, §3.14, realtime.md §6.2)', () => {
    const server = useTestServer();
    const prisma = () => server.deps.db.prisma;

    it('answers the profile of a fresh account with every key present and empty', async () => {
        const a = await server.account();
        const before = Date.now();
        const profile = await a.request('GET', '/v1/account/profile');
        expect(profile.status).toBe(200);
        expect(Object.keys(profile.body)).toEqual(PROFILE_KEYS);
        expect(profile.body).toEqual({
            id: a.userId,
            timestamp: profile.body.timestamp,
            firstName: null,
            lastName: null,
            username: null,
            avatar: null,
            github: null,
            connectedServices: [],
        });
        expect(profile.body.timestamp).toBeGreaterThanOrEqual(before);
        expect(profile.body.timestamp).toBeLessThanOrEqual(Date.now());
    });

    it('shows the stored name, avatar with its public URL, GitHub profile and vendors once', async () => {
        const a = await server.account();
        const other = await server.account();
        const githubId = String(Math.floor(Math.random() * 1e9));
        const githubProfile = { id: Number(githubId), login: 'octo', avatar_url: 'https://avatars.example/u/1', name: 'Octo Cat', bio: null };
        await prisma().githubUser.create({ data: { id: githubId, profile: githubProfile } });
        await prisma().account.update({
            where: { id: a.userId },
            data: {
                firstName: 'Octo',
                lastName: 'Cat',
                username: `octo-${randomUUID().slice(0, 8)}`,
                avatar: { path: 'public/users/u/avatar.jpg', width: 460, height: 460, thumbhash: 'HBkSHYSIeHiPiHh8eJd4eTN0EEQG' },
                githubUserId: githubId,
            },
        });
        for (const [i, vendor] of ['openai', 'anthropic'].entries()) {
            await prisma().serviceAccountToken.create({
                data: { accountId: a.userId, vendor, token: Buffer.from([0, 1, 2]), createdAt: new Date(Date.UTC(2025, 0, 1 + i)) },
            });
        }
        await prisma().serviceAccountToken.create({ data: { accountId: other.userId, vendor: 'gemini', token: Buffer.from([3]) } });

        const profile = await a.request('GET', '/v1/account/profile');
        expect(profile.status).toBe(200);
        expect(Object.keys(profile.body)).toEqual(PROFILE_KEYS);
        const account = await prisma().account.findUniqueOrThrow({ where: { id: a.userId } });
        expect(profile.body).toMatchObject({
            id: a.userId,
            firstName: 'Octo',
            lastName: 'Cat',
            username: account.username,
            github: githubProfile,
            connectedServices: ['openai', 'anthropic'],
        });
        expect(profile.body.avatar).toEqual({
            path: 'public/users/u/avatar.jpg',
            width: 460,
            height: 460,
            thumbhash: 'HBkSHYSIeHiPiHh8eJd4eTN0EEQG',
            url: `${server.deps.config.publicUrl}/files/public/users/u/avatar.jpg`,
        });
        expect(Object.keys(profile.body.avatar)).toEqual(['path', 'width', 'height', 'thumbhash', 'url']);

        // The other account sees only its own rows.
        const theirs = await other.request('GET', '/v1/account/profile');
        expect(theirs.body).toMatchObject({ id: other.userId, avatar: null, github: null, username: null, connectedServices: ['gemini'] });
    });

    it('answers 401 without a valid token and 404 for a token whose account does not exist', async () => {
        for (const [method, path] of [['GET', '/v1/account/profile'], ['GET', '/v1/account/settings'], ['POST', '/v1/account/settings']] as const) {
            const missing = await server.request(method, path, { body: method === 'POST' ? { settings: null, expectedVersion: 0 } : undefined });
            expect(missing).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });
            const invalid = await server.request(method, path, {
                token: 'not-a-token',
                body: method === 'POST' ? { settings: null, expectedVersion: 0 } : undefined,
            });
            expect(invalid).toMatchObject({ status: 401, body: { error: 'Invalid token' } });
        }
        const ghost = await server.deps.tokens.issue('cghostaccount00000000000000');
        const opts = { token: ghost };
        expect(await server.request('GET', '/v1/account/profile', opts)).toMatchObject({ status: 404, body: { error: 'Account not found' } });
        expect(await server.request('GET', '/v1/account/settings', opts)).toMatchObject({ status: 404, body: { error: 'Account not found' } });
        const post = await server.request('POST', '/v1/account/settings', { ...opts, body: { settings: 'x', expectedVersion: 0 } });
        expect(post.status).toBe(404);
        expect(post.body).toEqual({ success: false, error: 'Account not found' });
    });

    it('replaces settings by version and tells only the user-scoped sockets of the account', async () => {
        const a = await server.account();
        const other = await server.account();
        const app = await a.connect({ clientType: 'user-scoped' });
        const plainApp = await a.connect();
        const sessionId = randomUUID();
        const cli = await a.connect({ clientType: 'session-scoped', sessionId });
        const daemon = await a.connect({ clientType: 'machine-scoped', machineId: randomUUID() });
        const otherApp = await other.connect({ clientType: 'user-scoped' });

        const initial = await a.request('GET', '/v1/account/settings');
        expect(initial.status).toBe(200);
        expect(initial.body).toEqual({ settings: null, settingsVersion: 0 });
        expect(Object.keys(initial.body)).toEqual(['settings', 'settingsVersion']);

        const first = b64('{"theme":"dark"}');
        const written = await a.request('POST', '/v1/account/settings', { body: { settings: first, expectedVersion: 0 } });
        expect(written.status).toBe(200);
        expect(written.body).toEqual({ success: true, version: 1 });
        expect(Object.keys(written.body)).toEqual(['success', 'version']);

        for (const socket of [app, plainApp]) {
            const update = await socket.next('update', isAccountUpdate(1));
            expect(Object.keys(update)).toEqual(ENVELOPE_KEYS);
            expect(update.seq).toBe(1);
            expect(update.body).toEqual({ t: 'update-account', id: a.userId, settings: { value: first, version: 1 } });
            expect(Object.keys(update.body)).toEqual(['t', 'id', 'settings']);
            expect(Object.keys(update.body.settings)).toEqual(['value', 'version']);
        }
        expect(await a.request('GET', '/v1/account/settings')).toMatchObject({ status: 200, body: { settings: first, settingsVersion: 1 } });

        // A stale version: 200 with the current value, nothing written, nothing announced.
        const stale = await a.request('POST', '/v1/account/settings', { body: { settings: b64('stale'), expectedVersion: 0 } });
        expect(stale.status).toBe(200);
        expect(stale.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 1, currentSettings: first });
        expect(Object.keys(stale.body)).toEqual(MISMATCH_KEYS);
        const ahead = await a.request('POST', '/v1/account/settings', { body: { settings: b64('ahead'), expectedVersion: 5 } });
        expect(ahead.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 1, currentSettings: first });

        // Clearing the settings is a versioned write too.
        const cleared = await a.request('POST', '/v1/account/settings', { body: { settings: null, expectedVersion: 1 } });
        expect(cleared.body).toEqual({ success: true, version: 2 });
        const clearUpdate = await app.next('update', isAccountUpdate(2));
        expect(clearUpdate.body).toEqual({ t: 'update-account', id: a.userId, settings: { value: null, version: 2 } });
        expect(clearUpdate.seq).toBe(2);
        const afterClear = await a.request('POST', '/v1/account/settings', { body: { settings: 'x', expectedVersion: 1 } });
        expect(afterClear.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 2, currentSettings: null });

        for (const socket of [app, plainApp, cli, daemon, otherApp]) await roundTrip(socket);
        expect(app.updates.map((u) => u.seq)).toEqual([1, 2]);
        expect(plainApp.updates.map((u) => u.seq)).toEqual([1, 2]);
        expect(cli.updates).toEqual([]);
        expect(daemon.updates).toEqual([]);
        expect(otherApp.updates).toEqual([]);
        const row = await prisma().account.findUniqueOrThrow({ where: { id: a.userId } });
        expect(row).toMatchObject({ settings: null, settingsVersion: 2, seq: 2 });

        // The other account's settings never moved.
        expect(await other.request('GET', '/v1/account/settings')).toMatchObject({ body: { settings: null, settingsVersion: 0 } });
    });

    it('lets exactly one of 50 concurrent writers win and tells every loser the winning value', async () => {
        const a = await server.account();
        const app = await a.connect();
        const values = Array.from({ length: 50 }, (_, i) => b64(`settings-${i}`));
        const results = await Promise.all(
            values.map((settings) => a.request('POST', '/v1/account/settings', { body: { settings, expectedVersion: 0 } })),
        );
        expect(results.every((r) => r.status === 200)).toBe(true);
        const winners = results.filter((r) => r.body.success);
        expect(winners).toHaveLength(1);
        expect(winners[0]!.body).toEqual({ success: true, version: 1 });
        const winning = values[results.indexOf(winners[0]!)];
        for (const loser of results.filter((r) => !r.body.success)) {
            expect(loser.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 1, currentSettings: winning });
        }

        // A second round on the new version: again one winner, no lost update.
        const second = await Promise.all(
            values.map((settings) => a.request('POST', '/v1/account/settings', { body: { settings, expectedVersion: 1 } })),
        );
        const secondWinners = second.filter((r) => r.body.success);
        expect(secondWinners).toHaveLength(1);
        const secondValue = values[second.indexOf(secondWinners[0]!)];
        for (const loser of second.filter((r) => !r.body.success)) {
            expect(loser.body).toEqual({ success: false, error: 'version-mismatch', currentVersion: 2, currentSettings: secondValue });
        }
        expect(await a.request('GET', '/v1/account/settings')).toMatchObject({ body: { settings: secondValue, settingsVersion: 2 } });

        await app.next('update', isAccountUpdate(2));
        await roundTrip(app);
        expect(app.updates.map((u) => [u.seq, u.body.settings.version, u.body.settings.value])).toEqual([
            [1, 1, winning],
            [2, 2, secondValue],
        ]);
    });

    it('answers bad settings input with the validation 400 and writes nothing', async () => {
        const a = await server.account();
        const app = await a.connect();
        const bad: Array<[unknown, string]> = [
            [{ expectedVersion: 0 }, 'body/settings'],
            [{ settings: 'x' }, 'body/expectedVersion'],
            [{ settings: 7, expectedVersion: 0 }, 'body/settings'],
            [{ settings: { a: 1 }, expectedVersion: 0 }, 'body/settings'],
            [{ settings: 'x', expectedVersion: '0' }, 'body/expectedVersion'],
            [{ settings: 'x', expectedVersion: -1 }, 'body/expectedVersion'],
            [{ settings: 'x', expectedVersion: 0.5 }, 'body/expectedVersion'],
            [{ settings: 'x', expectedVersion: null }, 'body/expectedVersion'],
            [{ settings: 'x', expectedVersion: 2 ** 31 - 1 }, 'body/expectedVersion'],
            [{ settings: 'x', expectedVersion: 2 ** 53 }, 'body/expectedVersion'],
            [{ settings: 'nul\u0000byte', expectedVersion: 0 }, 'body/settings'],
            [{ settings: 'lone \ud800 surrogate', expectedVersion: 0 }, 'body/settings'],
            [{ settings: 'x'.repeat(1_000_001), expectedVersion: 0 }, 'body/settings'],
            [[], 'body/'],
            ['text', 'body/'],
        ];
        for (const [body, part] of bad) {
            const response = await a.request('POST', '/v1/account/settings', { body });
            expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
            expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
            expect(response.body.error).toBe('Error');
            expect(response.body.message).toContain(part);
        }
        const malformed = await a.request('POST', '/v1/account/settings', { raw: '{"settings":', headers: { 'content-type': 'application/json' } });
        expect(malformed).toMatchObject({ status: 400, body: { error: 'SyntaxError' } });
        const tooLarge = await a.request('POST', '/v1/account/settings', { body: { settings: 'x'.repeat(7 * 1024 * 1024), expectedVersion: 0 } });
        expect(tooLarge.status).toBe(413);

        // The largest legal value, and the largest legal version, are accepted.
        const largest = await a.request('POST', '/v1/account/settings', { body: { settings: '\u0001'.repeat(1_000_000), expectedVersion: 0 } });
        expect(largest.body).toEqual({ success: true, version: 1 });
        await prisma().account.update({ where: { id: a.userId }, data: { settingsVersion: 2 ** 31 - 2 } });
        const top = await a.request('POST', '/v1/account/settings', { body: { settings: 'top', expectedVersion: 2 ** 31 - 2 } });
        expect(top.body).toEqual({ success: true, version: 2 ** 31 - 1 });

        await roundTrip(app);
        expect(app.updates.map((u) => u.body.settings.version)).toEqual([1, 2 ** 31 - 1]);
    });

    it('tells outdated mobile apps where to update, without authentication', async () => {
        const check = (body: unknown) => server.request('POST', '/v1/version', { body });
        const cases: Array<[string, string, string | null]> = [
            ['ios', '1.4.1', null],
            ['ios', '1.4.2', null],
            ['ios', '2.0.0', null],
            ['iOS', '1.5.0', null],
            ['ios', '1.4.0', IOS_STORE],
            ['ios', '1.0.0', IOS_STORE],
            ['IOS', '0.9.9', IOS_STORE],
            ['ios', '1.5.0-beta.1', IOS_STORE],
            ['ios', '1.4.1-rc.1', IOS_STORE],
            ['ios', 'garbage', IOS_STORE],
            ['ios', '', IOS_STORE],
            ['ios', '1.5', IOS_STORE],
            ['android', '1.4.1', null],
            ['Android', '3.1.4', null],
            ['android', '1.3.9', ANDROID_STORE],
            ['ANDROID', '2.0.0-alpha', ANDROID_STORE],
            ['android', 'not.a.version', ANDROID_STORE],
            ['web', '0.0.1', null],
            ['macos', 'garbage', null],
            ['', '1.0.0', null],
            ['constructor', '1.0.0', null],
        ];
        for (const [platform, version, updateUrl] of cases) {
            const response = await check({ platform, version, app_id: 'com.ex3ndr.happy' });
            expect(response.status).toBe(200);
            expect(response.body, `${platform} ${version}`).toEqual({ updateUrl });
        }
        // A bearer token changes nothing.
        const a = await server.account();
        expect((await a.request('POST', '/v1/version', { body: { platform: 'ios', version: '1.0.0', app_id: 'x' } })).body).toEqual({ updateUrl: IOS_STORE });

        const bad: Array<[unknown, string]> = [
            [{ version: '1.0.0', app_id: 'x' }, 'body/platform'],
            [{ platform: 'ios', app_id: 'x' }, 'body/version'],
            [{ platform: 'ios', version: '1.0.0' }, 'body/app_id'],
            [{ platform: 7, version: '1.0.0', app_id: 'x' }, 'body/platform'],
            [{ platform: 'ios', version: 141, app_id: 'x' }, 'body/version'],
            [{ platform: 'ios', version: '1'.repeat(257), app_id: 'x' }, 'body/version'],
        ];
        for (const [body, part] of bad) {
            const response = await check(body);
            expect(response.status).toBe(400);
            expect(response.body).toMatchObject({ error: 'Error', statusCode: 400 });
            expect(response.body.message).toContain(part);
        }
    });
});
