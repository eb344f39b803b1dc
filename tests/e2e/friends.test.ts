import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { roundTrip } from '../harness/socketClient.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

// Key orders of spec rest.md §3.10 and realtime.md §6.2 (`repeatKey` added, §13.5).
const PROFILE_KEYS = ['id', 'firstName', 'lastName', 'avatar', 'username', 'bio', 'status'];
const FEED_POST_KEYS = ['t', 'id', 'body', 'cursor', 'createdAt', 'repeatKey'];
const ENVELOPE_KEYS = ['id', 'seq', 'body', 'createdAt'];
const DAY_MS = 24 * 60 * 60 * 1000;

/** A unique username prefix per test: usernames are unique across the whole server. */
const prefix = () => `u${randomUUID().replace(/-/g, '').slice(0, 10)}`;

describe('users and friends (spec rest.md §3.10, §4.2, realtime.md §6.2)', () => {
    const server = useTestServer();
    const prisma = () => server.deps.db.prisma;

    const add = (a: TestAccount, uid: unknown) => a.request('POST', '/v1/friends/add', { body: { uid } });
    const remove = (a: TestAccount, uid: unknown) => a.request('POST', '/v1/friends/remove', { body: { uid } });
    const friends = async (a: TestAccount) => (await a.request('GET', '/v1/friends')).body.friends as any[];
    const feed = async (a: TestAccount) => (await a.request('GET', '/v1/feed')).body.items as any[];

    /** Both directed rows of a pair, `none` for an absent row. */
    async function pair(a: TestAccount, b: TestAccount): Promise<[string, string]> {
        const rows = await prisma().userRelationship.findMany({
            where: { OR: [{ fromUserId: a.userId, toUserId: b.userId }, { fromUserId: b.userId, toUserId: a.userId }] },
        });
        const status = (from: string) => rows.find((r) => r.fromUserId === from)?.status ?? 'none';
        return [status(a.userId), status(b.userId)];
    }

    /** A fresh account with a username (and other stored profile fields). */
    async function user(fields: { username?: string | null; firstName?: string; lastName?: string; avatar?: object } = {}) {
        const account = await server.account();
        await prisma().account.update({ where: { id: account.userId }, data: { username: prefix(), ...fields } });
        return account;
    }

    /** Ages a row's notification stamp, as if the last notice went out more than a day ago. */
    async function ageNotification(from: TestAccount, to: TestAccount) {
        await prisma().userRelationship.update({
            where: { fromUserId_toUserId: { fromUserId: from.userId, toUserId: to.userId } },
            data: { lastNotifiedAt: new Date(Date.now() - DAY_MS - 60_000) },
        });
    }

    it('builds the profile from stored fields, the avatar and the linked GitHub profile', async () => {
        const viewer = await server.account();
        const bare = await server.account();
        const got = await viewer.request('GET', `/v1/user/${bare.userId}`);
        expect(got.status).toBe(200);
        expect(Object.keys(got.body)).toEqual(['user']);
        expect(Object.keys(got.body.user)).toEqual(PROFILE_KEYS);
        expect(got.body.user).toEqual({ id: bare.userId, firstName: '', lastName: null, avatar: null, username: '', bio: null, status: 'none' });

        // Stored names and avatar; the public URL is added to the stored image ref, right after `path`.
        const named = await user({ firstName: 'Ada', lastName: 'Lovelace', avatar: { path: 'public/users/x/a.png', width: 64, height: 32, thumbhash: 'abc' } });
        const row = await prisma().account.findUniqueOrThrow({ where: { id: named.userId } });
        const profile = (await viewer.request('GET', `/v1/user/${named.userId}`)).body.user;
        expect(profile).toEqual({
            id: named.userId,
            firstName: 'Ada',
            lastName: 'Lovelace',
            avatar: { path: 'public/users/x/a.png', url: `${server.deps.config.publicUrl}/files/public/users/x/a.png`, width: 64, height: 32, thumbhash: 'abc' },
            username: row.username,
            bio: null,
            status: 'none',
        });
        expect(Object.keys(profile.avatar)).toEqual(['path', 'url', 'width', 'height', 'thumbhash']);

        // Without a stored username the GitHub login stands in; the bio comes from GitHub; an
        // avatar without sizes has only path and url.
        const github = await server.account();
        const githubId = String(Math.floor(Math.random() * 1e9));
        await prisma().githubUser.create({ data: { id: githubId, profile: { login: 'octo-cat', bio: 'I build things', id: 1 } } });
        await prisma().account.update({ where: { id: github.userId }, data: { githubUserId: githubId, avatar: { path: 'p.jpg' } } });
        const fromGithub = (await viewer.request('GET', `/v1/user/${github.userId}`)).body.user;
        expect(fromGithub).toMatchObject({ username: 'octo-cat', bio: 'I build things', avatar: { path: 'p.jpg', url: `${server.deps.config.publicUrl}/files/p.jpg` } });
        expect(Object.keys(fromGithub.avatar)).toEqual(['path', 'url']);
        // A stored username wins over the login; an empty bio reads as null.
        await prisma().githubUser.update({ where: { id: githubId }, data: { profile: { login: 'octo-cat', bio: '' } } });
        await prisma().account.update({ where: { id: github.userId }, data: { username: `${prefix()}own` } });
        const own = (await viewer.request('GET', `/v1/user/${github.userId}`)).body.user;
        expect(own.username).toMatch(/own$/);
        expect(own.bio).toBeNull();

        // One's own profile reads the same way.
        expect((await viewer.request('GET', `/v1/user/${viewer.userId}`)).body.user).toMatchObject({ id: viewer.userId, status: 'none' });

        expect(await viewer.request('GET', `/v1/user/${randomUUID()}`)).toMatchObject({ status: 404, body: { error: 'User not found' } });
        expect((await viewer.request('GET', '/v1/user/a%00b')).status).toBe(400);
        expect(await request(server.url, 'GET', `/v1/user/${bare.userId}`)).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });
    });

    it('searches usernames by prefix, case-insensitively, with wildcards taken literally', async () => {
        const p = prefix();
        const viewer = await user({ username: `${p}Viewer` });
        const names = ['Alpha', 'alpine', 'Beta', '_x', '%y', '\\z', 'a_c', 'abc'];
        const accounts = new Map<string, TestAccount>();
        for (const name of names) accounts.set(name, await user({ username: `${p}${name}` }));
        const search = async (query: string) => {
            const response = await viewer.request('GET', `/v1/user/search?${new URLSearchParams({ query })}`);
            expect(response.status).toBe(200);
            expect(Object.keys(response.body)).toEqual(['users']);
            return response.body.users as any[];
        };
        const usernames = async (query: string) => (await search(query)).map((u) => u.username.slice(p.length));

        expect(await usernames(`${p}al`)).toEqual(['Alpha', 'alpine']);
        expect(await usernames(`${p.toUpperCase()}AL`)).toEqual(['Alpha', 'alpine']);
        expect(await usernames(`${p}_`)).toEqual(['_x']);
        expect(await usernames(`${p}%`)).toEqual(['%y']);
        expect(await usernames(`${p}\\`)).toEqual(['\\z']);
        expect(await usernames(`${p}a_`)).toEqual(['a_c']);
        expect(await usernames(`${p}v`)).toEqual(['Viewer']); // the caller is included
        expect(await usernames('%')).toEqual([]);
        expect(await usernames('_')).toEqual([]);
        expect(await usernames(`${p}zzz`)).toEqual([]);
        // An empty query lists nobody (upstream listed the first ten accounts).
        expect(await search('')).toEqual([]);

        // Each profile carries the caller's relationship, read with the others.
        await add(viewer, accounts.get('Alpha')!.userId);
        await add(accounts.get('alpine')!, viewer.userId);
        const found = await search(`${p}al`);
        for (const profile of found) expect(Object.keys(profile)).toEqual(PROFILE_KEYS);
        expect(found.map((u) => [u.id, u.status])).toEqual([
            [accounts.get('Alpha')!.userId, 'requested'],
            [accounts.get('alpine')!.userId, 'pending'],
        ]);

        // Accounts without a stored username never match, not even by their GitHub login.
        const anonymous = await user({ username: null });
        const githubId = String(Math.floor(Math.random() * 1e9));
        await prisma().githubUser.create({ data: { id: githubId, profile: { login: `${p}ghost` } } });
        await prisma().account.update({ where: { id: anonymous.userId }, data: { githubUserId: githubId } });
        expect(await search(`${p}gh`)).toEqual([]);

        // At most ten, in username order.
        const q = prefix();
        for (let i = 11; i >= 0; i--) await user({ username: `${q}${String(i).padStart(2, '0')}` });
        expect((await search(q)).map((u) => u.username)).toEqual(Array.from({ length: 10 }, (_, i) => `${q}${String(i).padStart(2, '0')}`));

        // Bad queries are 400s.
        for (const path of ['/v1/user/search', `/v1/user/search?query=${'x'.repeat(101)}`, '/v1/user/search?query=a%00b', '/v1/user/search?query=a&query=b']) {
            const response = await viewer.request('GET', path);
            expect(response.status, path).toBe(400);
            expect(response.body).toMatchObject({ error: 'Error', statusCode: 400 });
            expect(response.body.message).toContain('querystring/query');
        }
    });

    it('runs request, accept, unfriend and re-accept with the feed items and updates of the rules', async () => {
        const alice = await user();
        const bob = await user();
        const aliceApp = await alice.connect();
        const bobApp = await bob.connect();
        const bobAgent = await bob.connect({ clientType: 'session-scoped', sessionId: randomUUID() });
        const bobDaemon = await bob.connect({ clientType: 'machine-scoped', machineId: randomUUID() });

        // Alice asks: she sees "requested", Bob "pending"; only Bob's apps hear of it.
        const asked = await add(alice, bob.userId);
        expect(asked.status).toBe(200);
        expect(Object.keys(asked.body)).toEqual(['user']);
        expect(Object.keys(asked.body.user)).toEqual(PROFILE_KEYS);
        expect(asked.body.user).toMatchObject({ id: bob.userId, status: 'requested' });
        expect(await pair(alice, bob)).toEqual(['requested', 'pending']);
        const request = await bobApp.next('update', (u) => u.body.t === 'new-feed-post');
        expect(Object.keys(request)).toEqual(ENVELOPE_KEYS);
        expect(Object.keys(request.body)).toEqual(FEED_POST_KEYS);
        expect(request.body).toMatchObject({ body: { kind: 'friend_request', uid: alice.userId }, repeatKey: `friend_request_${alice.userId}` });
        expect(await feed(bob)).toEqual([{
            id: request.body.id,
            body: request.body.body,
            repeatKey: request.body.repeatKey,
            cursor: request.body.cursor,
            createdAt: request.body.createdAt,
        }]);
        expect(await feed(alice)).toEqual([]);
        expect((await friends(alice)).map((f) => [f.id, f.status])).toEqual([[bob.userId, 'requested']]);
        expect((await friends(bob)).map((f) => [f.id, f.status])).toEqual([[alice.userId, 'pending']]);
        for (const f of [...(await friends(alice)), ...(await friends(bob))]) expect(Object.keys(f)).toEqual(PROFILE_KEYS);

        // Asking again changes nothing and notifies nobody.
        expect((await add(alice, bob.userId)).body.user.status).toBe('requested');

        // Bob accepts: both are friends. Alice is told; Bob, told of the request a moment ago, is not.
        const accepted = await add(bob, alice.userId);
        expect(accepted.body.user).toMatchObject({ id: alice.userId, status: 'friend' });
        expect(await pair(alice, bob)).toEqual(['friend', 'friend']);
        const rows = await prisma().userRelationship.findMany({ where: { fromUserId: { in: [alice.userId, bob.userId] } } });
        for (const row of rows) expect(row.acceptedAt).toBeInstanceOf(Date);
        const acceptance = await aliceApp.next('update', (u) => u.body.t === 'new-feed-post');
        expect(acceptance.body).toMatchObject({ body: { kind: 'friend_accepted', uid: bob.userId }, repeatKey: `friend_accepted_${bob.userId}` });
        expect((await feed(alice)).map((i) => i.body)).toEqual([{ kind: 'friend_accepted', uid: bob.userId }]);
        expect((await feed(bob)).map((i) => i.body)).toEqual([{ kind: 'friend_request', uid: alice.userId }]);
        expect((await friends(alice)).map((f) => [f.id, f.status])).toEqual([[bob.userId, 'friend']]);

        // Alice unfriends: she is told her stored status, "pending" (upstream said "requested"),
        // and Bob now looks like he asked. No feed item, no update.
        const unfriended = await remove(alice, bob.userId);
        expect(unfriended.body.user).toMatchObject({ id: bob.userId, status: 'pending' });
        expect(await pair(alice, bob)).toEqual(['pending', 'requested']);
        expect((await friends(alice)).map((f) => f.status)).toEqual(['pending']);
        expect((await friends(bob)).map((f) => f.status)).toEqual(['requested']);
        expect((await alice.request('GET', `/v1/user/${bob.userId}`)).body.user.status).toBe('pending');

        // Alice adds Bob back: friends again, nobody re-notified within the day.
        expect((await add(alice, bob.userId)).body.user.status).toBe('friend');
        expect(await pair(alice, bob)).toEqual(['friend', 'friend']);

        for (const socket of [aliceApp, bobApp, bobAgent, bobDaemon]) await roundTrip(socket);
        expect(aliceApp.updates.map((u) => u.body.t)).toEqual(['new-feed-post']);
        expect(bobApp.updates.map((u) => u.body.t)).toEqual(['new-feed-post']);
        expect(bobAgent.updates).toEqual([]);
        expect(bobDaemon.updates).toEqual([]);
        expect(await feed(alice)).toHaveLength(1);
        expect(await feed(bob)).toHaveLength(1);
    });

    it('cancels, declines and re-requests after a rejection', async () => {
        // Cancel: the canceller's row is "rejected", the other side keeps its pending row.
        const carol = await user();
        const dave = await user();
        expect((await add(carol, dave.userId)).body.user.status).toBe('requested');
        expect((await remove(carol, dave.userId)).body.user).toMatchObject({ id: dave.userId, status: 'rejected' });
        expect(await pair(carol, dave)).toEqual(['rejected', 'pending']);
        expect(await friends(carol)).toEqual([]);
        expect((await friends(dave)).map((f) => f.status)).toEqual(['pending']);
        expect((await carol.request('GET', `/v1/user/${dave.userId}`)).body.user.status).toBe('rejected');
        // Removing again changes nothing.
        expect((await remove(carol, dave.userId)).body.user.status).toBe('rejected');

        // Re-request after the rejection: requested again; Dave was told less than a day ago.
        expect((await add(carol, dave.userId)).body.user.status).toBe('requested');
        expect(await pair(carol, dave)).toEqual(['requested', 'pending']);
        expect(await feed(dave)).toHaveLength(1);

        // Dave declines: both rows back to none.
        expect((await remove(dave, carol.userId)).body.user).toMatchObject({ id: carol.userId, status: 'none' });
        expect(await pair(carol, dave)).toEqual(['none', 'none']);
        expect(await friends(carol)).toEqual([]);
        expect(await friends(dave)).toEqual([]);

        // Declining keeps the other side's "rejected": Erin asked and cancelled, Frank declines.
        const erin = await user();
        const frank = await user();
        await add(erin, frank.userId);
        await remove(erin, frank.userId);
        expect((await remove(frank, erin.userId)).body.user.status).toBe('none');
        expect(await pair(erin, frank)).toEqual(['rejected', 'none']);
        // Frank's own request is not announced to Erin, whose row says she rejected.
        const erinApp = await erin.connect();
        expect((await add(frank, erin.userId)).body.user.status).toBe('requested');
        expect(await pair(erin, frank)).toEqual(['rejected', 'requested']);
        // Erin accepts it. Her row never announced anything, so she hears of the friendship;
        // Frank's row announced Erin's first request less than a day ago, so he does not.
        expect((await add(erin, frank.userId)).body.user.status).toBe('friend');
        expect((await feed(erin)).map((i) => i.body)).toEqual([{ kind: 'friend_accepted', uid: frank.userId }]);
        await roundTrip(erinApp);
        expect(erinApp.updates.map((u) => u.body.body)).toEqual([{ kind: 'friend_accepted', uid: frank.userId }]);
        expect((await feed(frank)).map((i) => i.body)).toEqual([{ kind: 'friend_request', uid: erin.userId }]);
    });

    it('notifies at most once a day per row and replaces the item under its repeat key', async () => {
        const alice = await user();
        const bob = await user();
        const bobApp = await bob.connect();
        await add(alice, bob.userId);
        const first = await bobApp.next('update', (u) => u.body.t === 'new-feed-post');
        const stamped = await prisma().userRelationship.findUniqueOrThrow({ where: { fromUserId_toUserId: { fromUserId: bob.userId, toUserId: alice.userId } } });
        expect(stamped.lastNotifiedAt).toBeInstanceOf(Date);

        // Cancel and ask again within the day: no second notice.
        await remove(alice, bob.userId);
        await add(alice, bob.userId);
        await roundTrip(bobApp);
        expect(bobApp.updates).toHaveLength(1);

        // A day later the same move notifies again; the old item gives way to a new one at a new counter.
        await ageNotification(bob, alice);
        await remove(alice, bob.userId);
        await add(alice, bob.userId);
        const second = await bobApp.next('update', (u) => u.body.t === 'new-feed-post' && u.body.id !== first.body.id);
        expect(second.body).toMatchObject({ body: { kind: 'friend_request', uid: alice.userId }, repeatKey: `friend_request_${alice.userId}` });
        expect(second.seq).toBe(first.seq + 1);
        const counter = (cursor: string) => Number(cursor.slice(2));
        expect(counter(second.body.cursor)).toBe(counter(first.body.cursor) + 1);
        const items = await feed(bob);
        expect(items.map((i) => i.id)).toEqual([second.body.id]);
        expect(await prisma().userFeedItem.count({ where: { id: first.body.id } })).toBe(0);
        const restamped = await prisma().userRelationship.findUniqueOrThrow({ where: { fromUserId_toUserId: { fromUserId: bob.userId, toUserId: alice.userId } } });
        expect(restamped.lastNotifiedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);

        // Acceptance after a day tells both sides, each under its own key.
        await ageNotification(bob, alice);
        const aliceApp = await alice.connect();
        expect((await add(bob, alice.userId)).body.user.status).toBe('friend');
        const toAlice = await aliceApp.next('update', (u) => u.body.t === 'new-feed-post');
        const toBob = await bobApp.next('update', (u) => u.body.body?.kind === 'friend_accepted');
        expect(toAlice.body).toMatchObject({ body: { kind: 'friend_accepted', uid: bob.userId }, repeatKey: `friend_accepted_${bob.userId}` });
        expect(toBob.body).toMatchObject({ body: { kind: 'friend_accepted', uid: alice.userId }, repeatKey: `friend_accepted_${alice.userId}` });
        expect((await feed(bob)).map((i) => i.body.kind)).toEqual(['friend_accepted', 'friend_request']);
    });

    it('numbers feed updates in line with the account\'s other updates', async () => {
        const alice = await user();
        const bob = await user();
        const bobApp = await bob.connect();
        const machine = await bob.request('POST', '/v1/machines', { body: { id: randomUUID(), metadata: 'bQ==' } });
        expect(machine.status).toBe(200);
        await bobApp.next('update', (u) => u.body.t === 'update-machine');
        await add(alice, bob.userId);
        await bobApp.next('update', (u) => u.body.t === 'new-feed-post');
        await roundTrip(bobApp);
        expect(bobApp.updates.map((u) => [u.seq, u.body.t])).toEqual([[1, 'new-machine'], [2, 'update-machine'], [3, 'new-feed-post']]);
        expect((await prisma().account.findUniqueOrThrow({ where: { id: bob.userId } })).seq).toBe(3);
        expect((await prisma().account.findUniqueOrThrow({ where: { id: alice.userId } })).seq).toBe(0);
    });

    it('answers null for oneself and missing accounts, as upstream did', async () => {
        const alice = await user();
        expect(await add(alice, alice.userId)).toMatchObject({ status: 200, body: { user: null } });
        expect(await add(alice, randomUUID())).toMatchObject({ status: 200, body: { user: null } });
        expect(await remove(alice, randomUUID())).toMatchObject({ status: 200, body: { user: null } });
        // Removing oneself has no self check upstream: there is no row, so the status is none.
        expect((await remove(alice, alice.userId)).body.user).toMatchObject({ id: alice.userId, status: 'none' });
        expect(await prisma().userRelationship.count({ where: { OR: [{ fromUserId: alice.userId }, { toUserId: alice.userId }] } })).toBe(0);
        expect(await feed(alice)).toEqual([]);
    });

    it('lists friends first, then incoming and outgoing requests, each with its own status', async () => {
        const me = await user();
        const [friend, incoming, outgoing, cancelled] = [await user(), await user(), await user(), await user()];
        await add(me, outgoing.userId);
        await add(incoming, me.userId);
        await add(friend, me.userId);
        await add(me, friend.userId);
        await add(me, cancelled.userId);
        await remove(me, cancelled.userId);
        const list = await friends(me);
        expect(list.map((f) => [f.id, f.status])).toEqual([
            [friend.userId, 'friend'],
            [incoming.userId, 'pending'],
            [outgoing.userId, 'requested'],
        ]);
        const response = await me.request('GET', '/v1/friends');
        expect(Object.keys(response.body)).toEqual(['friends']);
        for (const f of list) expect(Object.keys(f)).toEqual(PROFILE_KEYS);
    });

    it('ends as friends when two users add each other at once', async () => {
        const pairs = await Promise.all(Array.from({ length: 8 }, async () => [await user(), await user()] as const));
        const replies = await Promise.all(pairs.map(([a, b]) => Promise.all([add(a, b.userId), add(b, a.userId)])));
        for (const [index, [a, b]] of pairs.entries()) {
            const statuses = replies[index]!.map((r) => r.body.user.status);
            // One of them went first and asked; the other accepted.
            expect([...statuses].sort()).toEqual(['friend', 'requested']);
            expect(await pair(a, b)).toEqual(['friend', 'friend']);
            const [first, second] = statuses[0] === 'requested' ? [a, b] : [b, a];
            expect((await feed(second)).map((i) => i.body)).toEqual([{ kind: 'friend_request', uid: first.userId }]);
            expect((await feed(first)).map((i) => i.body)).toEqual([{ kind: 'friend_accepted', uid: second.userId }]);
        }
    });

    it('keeps one outcome under 50 concurrent adds of one pair from both sides', async () => {
        const alice = await user();
        const bob = await user();
        const apps = [await alice.connect(), await bob.connect()];
        const sides = Array.from({ length: 50 }, (_, i) => (i % 2 ? ([bob, alice] as const) : ([alice, bob] as const)));
        const replies = await Promise.all(sides.map(([from, to]) => add(from, to.userId)));
        expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
        // Whoever went first asked (and so did their adds before the other side's first);
        // the other side's first add accepted, and everything after found friends.
        const asked = replies.flatMap((r, i) => (r.body.user.status === 'requested' ? [sides[i]![0]] : []));
        expect(asked.length).toBeGreaterThan(0);
        const [first, second] = asked[0] === alice ? [alice, bob] : [bob, alice];
        expect(asked.every((a) => a === first)).toBe(true);
        expect(replies.every((r) => ['requested', 'friend'].includes(r.body.user.status))).toBe(true);
        expect(await pair(alice, bob)).toEqual(['friend', 'friend']);
        expect((await feed(second)).map((i) => i.body)).toEqual([{ kind: 'friend_request', uid: first.userId }]);
        expect((await feed(first)).map((i) => i.body)).toEqual([{ kind: 'friend_accepted', uid: second.userId }]);
        for (const app of apps) await roundTrip(app);
        expect(apps.map((app) => app.updates.map((u) => u.seq))).toEqual([[1], [1]]);

        // The same from one side: one request, one notice, every reply "requested".
        const carol = await user();
        const dave = await user();
        const daveApp = await dave.connect();
        const asks = await Promise.all(Array.from({ length: 50 }, () => add(carol, dave.userId)));
        expect(asks.every((r) => r.body.user.status === 'requested')).toBe(true);
        expect(await pair(carol, dave)).toEqual(['requested', 'pending']);
        await roundTrip(daveApp);
        expect(daveApp.updates).toHaveLength(1);
        expect(await feed(dave)).toHaveLength(1);
    });

    it('never lets a third account see or change a pair\'s relationship', async () => {
        const alice = await user();
        const bob = await user();
        const mallory = await user();
        const malloryApp = await mallory.connect();
        await add(alice, bob.userId);
        await add(bob, alice.userId);

        // Mallory sees only her own relationship to each of them, and only profile fields.
        const seen = (await mallory.request('GET', `/v1/user/${bob.userId}`)).body.user;
        expect(Object.keys(seen)).toEqual(PROFILE_KEYS);
        expect(seen.status).toBe('none');
        expect(await friends(mallory)).toEqual([]);
        expect(await feed(mallory)).toEqual([]);

        // Her own moves touch only her rows with Bob.
        await add(mallory, bob.userId);
        await remove(mallory, bob.userId);
        await remove(mallory, alice.userId);
        expect(await pair(alice, bob)).toEqual(['friend', 'friend']);
        expect(await pair(mallory, bob)).toEqual(['rejected', 'pending']);
        expect(await pair(mallory, alice)).toEqual(['none', 'none']);
        expect((await friends(alice)).map((f) => [f.id, f.status])).toEqual([[bob.userId, 'friend']]);
        await roundTrip(malloryApp);
        expect(malloryApp.updates).toEqual([]);
    });

    it('answers bad input with 4xx and writes nothing', async () => {
        const alice = await user();
        const bad: Array<[unknown, string]> = [
            [{}, 'body/uid'],
            [{ uid: 42 }, 'body/uid'],
            [{ uid: null }, 'body/uid'],
            [{ uid: '' }, 'body/uid'],
            [{ uid: 'x'.repeat(101) }, 'body/uid'],
            [{ uid: 'a\u0000b' }, 'body/uid'],
            [[], 'body/'],
        ];
        for (const path of ['/v1/friends/add', '/v1/friends/remove']) {
            for (const [body, part] of bad) {
                const response = await alice.request('POST', path, { body });
                expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
                expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
                expect(response.body.message).toContain(part);
            }
            expect((await alice.request('POST', path, { body: { uid: 'x'.repeat(5000) } })).status).toBe(413);
            expect(await request(server.url, 'POST', path, { body: { uid: alice.userId } })).toMatchObject({ status: 401 });
        }
        expect(await request(server.url, 'GET', '/v1/friends')).toMatchObject({ status: 401 });
        expect(await request(server.url, 'GET', '/v1/user/search?query=a')).toMatchObject({ status: 401 });
        // Unknown fields are stripped.
        const bob = await user();
        expect((await alice.request('POST', '/v1/friends/add', { body: { uid: bob.userId, extra: [1] } })).body.user.status).toBe('requested');
        expect(await prisma().userRelationship.count({ where: { fromUserId: alice.userId } })).toBe(1);
    });
});

