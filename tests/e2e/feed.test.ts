import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postToFeed } from '../../sources/actions/feed/feedPost.ts';
import type { FeedBody } from '../../sources/events/updates.ts';
import { inTx } from '../../sources/storage/inTx.ts';
import { request } from '../harness/http.ts';
import { roundTrip } from '../harness/socketClient.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

// Key orders of spec rest.md §3.11 and realtime.md §6.2 (`repeatKey` added, §13.5).
const ITEM_KEYS = ['id', 'body', 'repeatKey', 'cursor', 'createdAt'];
const FEED_POST_KEYS = ['t', 'id', 'body', 'cursor', 'createdAt', 'repeatKey'];

describe('feed (spec rest.md §3.11, storage.md §2.2, §2.5)', () => {
    const server = useTestServer();

    /** Posts the way the friend flows do (there is no route that posts), in a transaction of its own. */
    const post = (userId: string, body: FeedBody, repeatKey: string | null = null) =>
        inTx(server.deps.db.prisma, server.deps.log, (scope) => postToFeed(scope, server.deps.events, userId, body, repeatKey), {
            isolation: 'ReadCommitted',
        });
    const text = (n: number): FeedBody => ({ kind: 'text', text: `item ${n}` });

    const get = async (a: TestAccount, query = '') => {
        const response = await a.request('GET', `/v1/feed${query}`);
        expect(response.status, query).toBe(200);
        expect(Object.keys(response.body)).toEqual(['items', 'hasMore']);
        for (const item of response.body.items) expect(Object.keys(item)).toEqual(ITEM_KEYS);
        return response.body as { items: any[]; hasMore: boolean };
    };
    /** The counters of a page, in the order served. */
    const counters = (page: { items: any[] }) => page.items.map((i) => Number(i.cursor.slice(2)));

    /** An account whose feed holds items 1..n (counter n is "item n"). */
    async function withItems(n: number) {
        const account = await server.account();
        for (let i = 1; i <= n; i++) await post(account.userId, text(i));
        return account;
    }

    it('serves an empty feed, then items newest first with their stored fields', async () => {
        const account = await server.account();
        expect(await get(account)).toEqual({ items: [], hasMore: false });
        const app = await account.connect();
        await post(account.userId, text(1));
        await post(account.userId, { kind: 'friend_request', uid: 'someone' }, 'friend_request_someone');
        const page = await get(account);
        expect(page.hasMore).toBe(false);
        expect(page.items.map((i) => [i.cursor, i.body, i.repeatKey])).toEqual([
            ['0-2', { kind: 'friend_request', uid: 'someone' }, 'friend_request_someone'],
            ['0-1', { kind: 'text', text: 'item 1' }, null],
        ]);
        const rows = await server.deps.db.prisma.userFeedItem.findMany({ where: { userId: account.userId }, orderBy: { counter: 'desc' } });
        expect(page.items.map((i) => [i.id, i.createdAt])).toEqual(rows.map((r) => [r.id, r.createdAt.getTime()]));
        expect(rows.map((r) => r.counter)).toEqual([2n, 1n]);
        expect((await server.deps.db.prisma.account.findUniqueOrThrow({ where: { id: account.userId } })).feedSeq).toBe(2n);

        // Each post is announced to the owner's apps with the same fields, repeatKey included.
        await roundTrip(app);
        expect(app.updates.map((u) => u.seq)).toEqual([1, 2]);
        for (const update of app.updates) expect(Object.keys(update.body)).toEqual(FEED_POST_KEYS);
        const [newest, oldest] = page.items;
        expect(app.updates.map((u) => u.body)).toEqual([
            { t: 'new-feed-post', id: oldest.id, body: oldest.body, cursor: oldest.cursor, createdAt: oldest.createdAt, repeatKey: null },
            { t: 'new-feed-post', id: newest.id, body: newest.body, cursor: newest.cursor, createdAt: newest.createdAt, repeatKey: newest.repeatKey },
        ]);
    });

    it('pages back with before and forward with after, newest first, with hasMore', async () => {
        const account = await withItems(7);
        expect(counters(await get(account))).toEqual([7, 6, 5, 4, 3, 2, 1]);
        expect(await get(account, '?limit=3').then((p) => [counters(p), p.hasMore])).toEqual([[7, 6, 5], true]);
        expect(await get(account, '?limit=7').then((p) => [counters(p), p.hasMore])).toEqual([[7, 6, 5, 4, 3, 2, 1], false]);

        // before: older than the cursor.
        expect(await get(account, '?before=0-5&limit=3').then((p) => [counters(p), p.hasMore])).toEqual([[4, 3, 2], true]);
        expect(await get(account, '?before=0-4&limit=3').then((p) => [counters(p), p.hasMore])).toEqual([[3, 2, 1], false]);
        expect(await get(account, '?before=0-1').then((p) => [counters(p), p.hasMore])).toEqual([[], false]);

        // after: the items just above the cursor (upstream served the newest ones and skipped the gap).
        expect(await get(account, '?after=0-2&limit=3').then((p) => [counters(p), p.hasMore])).toEqual([[5, 4, 3], true]);
        expect(await get(account, '?after=0-4&limit=3').then((p) => [counters(p), p.hasMore])).toEqual([[7, 6, 5], false]);
        expect(await get(account, '?after=0-5&limit=3').then((p) => [counters(p), p.hasMore])).toEqual([[7, 6], false]);
        expect(await get(account, '?after=0-7').then((p) => [counters(p), p.hasMore])).toEqual([[], false]);
        expect(await get(account, '?after=0-0').then((p) => [counters(p), p.hasMore])).toEqual([[7, 6, 5, 4, 3, 2, 1], false]);

        // before wins when both are given.
        expect(counters(await get(account, '?before=0-3&after=0-5'))).toEqual([2, 1]);

        // Walking either way with the page's own cursors sees every item exactly once.
        const forward: number[] = [];
        let after = '0-0';
        for (let more = true; more; ) {
            const page = await get(account, `?after=${after}&limit=2`);
            forward.push(...counters(page).reverse());
            if (page.items.length) after = page.items[0].cursor;
            more = page.hasMore;
        }
        expect(forward).toEqual([1, 2, 3, 4, 5, 6, 7]);
        const backward: number[] = [];
        let page = await get(account, '?limit=2');
        backward.push(...counters(page));
        while (page.hasMore) {
            page = await get(account, `?before=${page.items.at(-1).cursor}&limit=2`);
            backward.push(...counters(page));
        }
        expect(backward).toEqual([7, 6, 5, 4, 3, 2, 1]);
    });

    it('replaces an item under the same repeat key with a new one at a new counter', async () => {
        const account = await server.account();
        await post(account.userId, text(1), 'k');
        const [first] = (await get(account)).items;
        await post(account.userId, text(2));
        await post(account.userId, text(3), 'k');
        await post(account.userId, text(4), 'other');
        const page = await get(account);
        expect(page.items.map((i) => [i.cursor, i.body.text, i.repeatKey])).toEqual([
            ['0-4', 'item 4', 'other'],
            ['0-3', 'item 3', 'k'],
            ['0-2', 'item 2', null],
        ]);
        expect(page.items.some((i) => i.id === first.id)).toBe(false);
        // Items without a key are never replaced.
        await post(account.userId, text(5));
        expect((await get(account)).items).toHaveLength(4);
    });

    it('keeps counters and update seqs contiguous under concurrent posts, one item per repeat key', async () => {
        const account = await server.account();
        const app = await account.connect();
        await Promise.all(Array.from({ length: 50 }, (_, i) => post(account.userId, text(i + 1))));
        const all = await get(account, '?limit=200');
        expect(counters(all)).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i));
        await roundTrip(app);
        expect(app.updates.map((u) => u.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

        const keyed = await server.account();
        await Promise.all(Array.from({ length: 50 }, (_, i) => post(keyed.userId, text(i + 1), 'same')));
        const [only, ...rest] = (await get(keyed)).items;
        expect(rest).toEqual([]);
        expect(only).toMatchObject({ cursor: '0-50', repeatKey: 'same' });
        expect(await server.deps.db.prisma.userFeedItem.count({ where: { userId: keyed.userId } })).toBe(1);
    });

    it('shows each account only its own feed and sends updates only to the owner\'s apps', async () => {
        const owner = await withItems(3);
        const other = await server.account();
        const ownerAgent = await owner.connect({ clientType: 'session-scoped', sessionId: randomUUID() });
        const ownerDaemon = await owner.connect({ clientType: 'machine-scoped', machineId: randomUUID() });
        const ownerApp = await owner.connect();
        const otherApp = await other.connect();
        await post(owner.userId, text(4));
        await ownerApp.next('update', (u) => u.body.t === 'new-feed-post');
        expect(await get(other)).toEqual({ items: [], hasMore: false });
        expect(await get(other, '?after=0-0')).toEqual({ items: [], hasMore: false });
        expect(await get(other, '?before=0-4')).toEqual({ items: [], hasMore: false });
        for (const socket of [ownerAgent, ownerDaemon, ownerApp, otherApp]) await roundTrip(socket);
        expect(ownerApp.updates).toHaveLength(1);
        expect(ownerAgent.updates).toEqual([]);
        expect(ownerDaemon.updates).toEqual([]);
        expect(otherApp.updates).toEqual([]);
    });

    it('answers malformed cursors and limits with a 400 and keeps serving', async () => {
        const account = await withItems(2);
        const bad: Array<[string, string]> = [
            ['?before=abc', 'querystring/before'],
            ['?before=1-5', 'querystring/before'],
            ['?before=0-', 'querystring/before'],
            ['?before=0-x', 'querystring/before'],
            ['?before=0-1.5', 'querystring/before'],
            ['?before=0--1', 'querystring/before'],
            [`?before=0-${'9'.repeat(19)}`, 'querystring/before'],
            ['?before=%200-1', 'querystring/before'],
            ['?before=0-1&before=0-2', 'querystring/before'],
            ['?after=nope', 'querystring/after'],
            ['?after=0-1e3', 'querystring/after'],
            ['?limit=0', 'querystring/limit'],
            ['?limit=201', 'querystring/limit'],
            ['?limit=-1', 'querystring/limit'],
            ['?limit=1.5', 'querystring/limit'],
            ['?limit=abc', 'querystring/limit'],
            ['?limit=', 'querystring/limit'],
        ];
        for (const [query, part] of bad) {
            const response = await account.request('GET', `/v1/feed${query}`);
            expect(response.status, query).toBe(400);
            expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
            expect(response.body.error).toBe('Error');
            expect(response.body.message, query).toContain(part);
        }
        expect(counters(await get(account, '?limit=1'))).toEqual([2]);
        expect(counters(await get(account, '?limit=200'))).toEqual([2, 1]);
        expect(counters(await get(account, `?before=0-${'9'.repeat(18)}`))).toEqual([2, 1]);
        expect(counters(await get(account, '?before=0-002'))).toEqual([1]);
        expect(await request(server.url, 'GET', '/v1/feed')).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });
    });
});
