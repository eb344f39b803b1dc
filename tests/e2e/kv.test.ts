import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { createSession } from '../harness/sessions.ts';
import { roundTrip } from '../harness/socketClient.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

// Shapes of spec rest.md §3.8 and realtime.md §6.2 (kv-batch-update).
const ITEM_KEYS = ['key', 'value', 'version'];
const ENVELOPE_KEYS = ['id', 'seq', 'body', 'createdAt'];
const MISMATCH_KEYS = ['key', 'error', 'version', 'value'];

const b64 = (text: string) => Buffer.from(text).toString('base64');
const cipher = (size = 32) => randomBytes(size).toString('base64');

interface Mutation {
    key: string;
    value: string | null;
    version: number;
}

/** The KV routes as the app calls them, for one account. */
function kvClient(account: TestAccount) {
    return {
        mutate: (mutations: Mutation[]) => account.request('POST', '/v1/kv', { body: { mutations } }),
        get: (key: string) => account.request('GET', `/v1/kv/${encodeURIComponent(key)}`),
        list: (query: Record<string, string | number> = {}) =>
            account.request('GET', `/v1/kv?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`),
        bulk: (keys: unknown) => account.request('POST', '/v1/kv/bulk', { body: { keys } }),
    };
}

const isKvUpdate = (u: any) => u.body.t === 'kv-batch-update';

describe('key-value store (spec rest.md §3.8, realtime.md §6.2)', () => {
    const server = useTestServer();
    const prisma = () => server.deps.db.prisma;

    async function user() {
        const account = await server.account();
        const app = await account.connect({ clientType: 'user-scoped' });
        return { account, app, kv: kvClient(account) };
    }

    const row = (accountId: string, key: string) =>
        prisma().userKVStore.findUnique({ where: { accountId_key: { accountId, key } } });

    it('creates, reads, updates, deletes and re-creates keys with exact shapes and one update per batch', async () => {
        const { account, app, kv } = await user();
        const index = cipher(64);
        const todo = cipher();

        const created = await kv.mutate([
            { key: 'todo.index', value: index, version: -1 },
            { key: 'todo.1', value: todo, version: -1 },
        ]);
        expect(created.status).toBe(200);
        expect(created.body).toEqual({ success: true, results: [{ key: 'todo.index', version: 0 }, { key: 'todo.1', version: 0 }] });
        expect(Object.keys(created.body)).toEqual(['success', 'results']);
        expect(Object.keys(created.body.results[0])).toEqual(['key', 'version']);

        const update = await app.next('update', isKvUpdate);
        expect(Object.keys(update)).toEqual(ENVELOPE_KEYS);
        expect(update.seq).toBe(1);
        expect(update.body).toEqual({
            t: 'kv-batch-update',
            changes: [{ key: 'todo.index', value: index, version: 0 }, { key: 'todo.1', value: todo, version: 0 }],
        });
        expect(Object.keys(update.body)).toEqual(['t', 'changes']);
        expect(Object.keys(update.body.changes[0])).toEqual(ITEM_KEYS);

        const single = await kv.get('todo.1');
        expect(single).toMatchObject({ status: 200, body: { key: 'todo.1', value: todo, version: 0 } });
        expect(Object.keys(single.body)).toEqual(ITEM_KEYS);
        const stored = await row(account.userId, 'todo.1');
        expect(Buffer.from(stored!.value!).toString('base64')).toBe(todo);

        // Update one key and delete (null) the other in one batch: versions move by one.
        const nextIndex = cipher(64);
        const changed = await kv.mutate([
            { key: 'todo.index', value: nextIndex, version: 0 },
            { key: 'todo.1', value: null, version: 0 },
        ]);
        expect(changed.body).toEqual({ success: true, results: [{ key: 'todo.index', version: 1 }, { key: 'todo.1', version: 1 }] });
        const second = await app.next('update', (u) => isKvUpdate(u) && u.seq === 2);
        expect(second.body.changes).toEqual([
            { key: 'todo.index', value: nextIndex, version: 1 },
            { key: 'todo.1', value: null, version: 1 },
        ]);

        // The tombstone keeps its version, and is missing from every read.
        expect(await row(account.userId, 'todo.1')).toMatchObject({ value: null, version: 1 });
        expect(await kv.get('todo.1')).toMatchObject({ status: 404, body: { error: 'Key not found' } });
        expect(Object.keys((await kv.get('todo.1')).body)).toEqual(['error']);
        expect((await kv.list({ prefix: 'todo.' })).body).toEqual({ items: [{ key: 'todo.index', value: nextIndex, version: 1 }] });
        expect((await kv.bulk(['todo.1', 'todo.index'])).body).toEqual({ values: [{ key: 'todo.index', value: nextIndex, version: 1 }] });

        // Re-creating needs the tombstone's version: -1 is a mismatch that reports it.
        const again = await kv.mutate([{ key: 'todo.1', value: todo, version: -1 }]);
        expect(again.status).toBe(409);
        expect(again.body).toEqual({ success: false, errors: [{ key: 'todo.1', error: 'version-mismatch', version: 1, value: null }] });
        const recreated = await kv.mutate([{ key: 'todo.1', value: todo, version: 1 }]);
        expect(recreated.body).toEqual({ success: true, results: [{ key: 'todo.1', version: 2 }] });
        expect((await kv.get('todo.1')).body).toEqual({ key: 'todo.1', value: todo, version: 2 });

        // An empty string deletes too, and the broadcast says null (upstream echoed "").
        expect((await kv.mutate([{ key: 'todo.1', value: '', version: 2 }])).body.results).toEqual([{ key: 'todo.1', version: 3 }]);
        const emptied = await app.next('update', (u) => isKvUpdate(u) && u.body.changes[0].version === 3);
        expect(emptied.body.changes).toEqual([{ key: 'todo.1', value: null, version: 3 }]);
        expect(await row(account.userId, 'todo.1')).toMatchObject({ value: null, version: 3 });

        // A create may itself be a delete: a tombstone at version 0.
        expect((await kv.mutate([{ key: 'ghost', value: null, version: -1 }])).body.results).toEqual([{ key: 'ghost', version: 0 }]);
        expect(await row(account.userId, 'ghost')).toMatchObject({ value: null, version: 0 });
        expect((await kv.get('ghost')).status).toBe(404);

        // Every batch was one update; seqs are the account's, with no gap.
        await roundTrip(app);
        expect(app.updates.map((u) => [u.seq, u.body.t])).toEqual([1, 2, 3, 4, 5].map((seq) => [seq, 'kv-batch-update']));
        expect((await prisma().account.findUniqueOrThrow({ where: { id: account.userId } })).seq).toBe(5);
    });

    it('answers a conflicting batch with every mismatch and writes nothing', async () => {
        const { account, app, kv } = await user();
        await kv.mutate([
            { key: 'a', value: b64('a0'), version: -1 },
            { key: 'b', value: b64('b0'), version: -1 },
            { key: 't', value: null, version: -1 },
        ]);
        await app.next('update', isKvUpdate);
        const before = await prisma().userKVStore.findMany({ where: { accountId: account.userId }, orderBy: { key: 'asc' } });

        const conflict = await kv.mutate([
            { key: 'fresh', value: b64('new'), version: -1 }, // would succeed
            { key: 'a', value: b64('a1'), version: 0 }, // would succeed
            { key: 'b', value: b64('b1'), version: 5 }, // wrong version
            { key: 'a-missing', value: b64('x'), version: 0 }, // does not exist
            { key: 'b2', value: b64('y'), version: -1 }, // would succeed
            { key: 't', value: b64('z'), version: -1 }, // a tombstone exists
            { key: 'b-gone', value: null, version: 3 }, // deleting what does not exist
        ]);
        expect(conflict.status).toBe(409);
        expect(Object.keys(conflict.body)).toEqual(['success', 'errors']);
        expect(conflict.body).toEqual({
            success: false,
            errors: [
                { key: 'b', error: 'version-mismatch', version: 0, value: b64('b0') },
                { key: 'a-missing', error: 'version-mismatch', version: -1, value: null },
                { key: 't', error: 'version-mismatch', version: 0, value: null },
                { key: 'b-gone', error: 'version-mismatch', version: -1, value: null },
            ],
        });
        for (const error of conflict.body.errors) expect(Object.keys(error)).toEqual(MISMATCH_KEYS);

        // Nothing changed, nothing was created (not even the keys that would have succeeded), nothing announced.
        expect(await prisma().userKVStore.findMany({ where: { accountId: account.userId }, orderBy: { key: 'asc' } })).toEqual(before);
        await roundTrip(app);
        expect(app.updates).toHaveLength(1);
        expect((await prisma().account.findUniqueOrThrow({ where: { id: account.userId } })).seq).toBe(1);

        // The client adopts the reported versions and retries: now everything applies.
        const retried = await kv.mutate([
            { key: 'fresh', value: b64('new'), version: -1 },
            { key: 'b', value: b64('b1'), version: 0 },
            { key: 't', value: b64('z'), version: 0 },
        ]);
        expect(retried.body).toEqual({ success: true, results: [{ key: 'fresh', version: 0 }, { key: 'b', version: 1 }, { key: 't', version: 1 }] });
        expect((await app.next('update', (u) => u.seq === 2)).body.changes.map((c: any) => c.key)).toEqual(['fresh', 'b', 't']);
    });

    it('sends kv-batch-update to the account\'s user-scoped sockets only', async () => {
        const { account, app, kv } = await user();
        const secondApp = await account.connect();
        const session = await createSession(server.url, account.token);
        const cli = await account.connect({ clientType: 'session-scoped', sessionId: session.id });
        const daemon = await account.connect({ clientType: 'machine-scoped', machineId: randomUUID() });
        const other = await user();
        const newSession = await app.next('update', (u) => u.body.t === 'new-session');

        expect((await kv.mutate([{ key: 'settings', value: b64('v'), version: -1 }])).status).toBe(200);
        const expected = { t: 'kv-batch-update', changes: [{ key: 'settings', value: b64('v'), version: 0 }] };
        expect((await app.next('update', isKvUpdate)).body).toEqual(expected);
        expect((await secondApp.next('update', isKvUpdate)).body).toEqual(expected);
        expect((await app.next('update', isKvUpdate)).seq).toBe(newSession.seq + 1);
        for (const socket of [cli, daemon, other.app]) await roundTrip(socket);
        expect(cli.updates.filter(isKvUpdate)).toEqual([]);
        expect(daemon.updates).toEqual([]);
        expect(other.app.updates).toEqual([]);
    });

    it('lists live records by literal prefix in key order, with a limit and paging', async () => {
        const { account, kv } = await user();
        const keys = ['a_b', 'axb', 'a%c', 'abc', 'a\\d', 'a\\\\e', 'b.1', 'b.2', 'b.3', 'B.0', 'a_b.dead'];
        const values = Object.fromEntries(keys.map((key) => [key, cipher(8)]));
        expect((await kv.mutate(keys.map((key) => ({ key, value: values[key]!, version: -1 })))).status).toBe(200);
        expect((await kv.mutate([{ key: 'a_b.dead', value: null, version: 0 }])).status).toBe(200);
        const keysOf = async (query: Record<string, string | number>) => {
            const response = await kv.list(query);
            expect(response.status).toBe(200);
            expect(Object.keys(response.body)).toEqual(['items']);
            for (const item of response.body.items) {
                expect(Object.keys(item)).toEqual(ITEM_KEYS);
                expect(item.value).toBe(values[item.key]);
            }
            return response.body.items.map((item: any) => item.key);
        };

        // `_`, `%` and `\` are literal characters, not wildcards or escapes.
        expect(await keysOf({ prefix: 'a_' })).toEqual(['a_b']);
        expect(await keysOf({ prefix: 'a%' })).toEqual(['a%c']);
        expect((await keysOf({ prefix: 'a\\' })).sort()).toEqual(['a\\\\e', 'a\\d'].sort());
        expect(await keysOf({ prefix: 'a\\\\' })).toEqual(['a\\\\e']);
        expect(await keysOf({ prefix: '%' })).toEqual([]);
        expect(await keysOf({ prefix: '_' })).toEqual([]);
        expect(await keysOf({ prefix: 'b.' })).toEqual(['b.1', 'b.2', 'b.3']);
        expect(await keysOf({ prefix: 'zzz' })).toEqual([]);

        // Without a prefix: every live record (not the tombstone), in the database's key order, 100 by default.
        const all = await keysOf({});
        expect([...all].sort()).toEqual(keys.filter((k) => k !== 'a_b.dead').sort());
        const live = await prisma().userKVStore.findMany({ where: { accountId: account.userId, value: { not: null } }, orderBy: { key: 'asc' } });
        expect(all).toEqual(live.map((r) => r.key));

        // limit, then `after` to read the next page.
        expect(await keysOf({ prefix: 'b.', limit: 2 })).toEqual(['b.1', 'b.2']);
        expect(await keysOf({ prefix: 'b.', limit: 2, after: 'b.2' })).toEqual(['b.3']);
        expect(await keysOf({ prefix: 'b.', limit: 2, after: 'b.3' })).toEqual([]);
        const pages: string[] = [];
        for (let after: string | undefined; ; ) {
            const page = await keysOf({ limit: 3, ...(after === undefined ? {} : { after }) });
            pages.push(...page);
            if (page.length < 3) break;
            after = page.at(-1);
        }
        expect(pages).toEqual(all);
    });

    it('lists 100 records unless told otherwise, and at most 1000', async () => {
        const { kv } = await user();
        for (let batch = 0; batch < 11; batch++) {
            const mutations = Array.from({ length: 100 }, (_, i) => ({ key: `n.${String(batch * 100 + i).padStart(4, '0')}`, value: b64('v'), version: -1 }));
            expect((await kv.mutate(mutations)).status).toBe(200);
        }
        expect((await kv.list()).body.items).toHaveLength(100);
        expect((await kv.list({ limit: 1000 })).body.items).toHaveLength(1000);
        expect((await kv.list({ limit: 1000, after: 'n.0999' })).body.items.map((i: any) => i.key)).toEqual(
            Array.from({ length: 100 }, (_, i) => `n.${1000 + i}`),
        );
    });

    it('reads many keys at once, leaving out missing keys and tombstones', async () => {
        const { kv } = await user();
        await kv.mutate([
            { key: 'x', value: b64('1'), version: -1 },
            { key: 'y', value: b64('2'), version: -1 },
            { key: 'z', value: null, version: -1 },
        ]);
        const response = await kv.bulk(['y', 'missing', 'z', 'x', 'x']);
        expect(response.status).toBe(200);
        expect(Object.keys(response.body)).toEqual(['values']);
        expect([...response.body.values].sort((a: any, b: any) => a.key.localeCompare(b.key))).toEqual([
            { key: 'x', value: b64('1'), version: 0 },
            { key: 'y', value: b64('2'), version: 0 },
        ]);
        for (const item of response.body.values) expect(Object.keys(item)).toEqual(ITEM_KEYS);
        expect((await kv.bulk(['nothing'])).body).toEqual({ values: [] });
    });

    it('keeps accounts apart: another account can neither read nor change a record', async () => {
        const owner = await user();
        const intruder = await user();
        await owner.kv.mutate([{ key: 'secret', value: b64('mine'), version: -1 }]);
        await owner.app.next('update', isKvUpdate);

        expect(await intruder.kv.get('secret')).toMatchObject({ status: 404, body: { error: 'Key not found' } });
        expect((await intruder.kv.list({})).body).toEqual({ items: [] });
        expect((await intruder.kv.list({ prefix: 'sec' })).body).toEqual({ items: [] });
        expect((await intruder.kv.bulk(['secret'])).body).toEqual({ values: [] });
        // The owner's version means nothing to the intruder: the key does not exist for them.
        const update = await intruder.kv.mutate([{ key: 'secret', value: b64('theirs'), version: 0 }]);
        expect(update.status).toBe(409);
        expect(update.body.errors).toEqual([{ key: 'secret', error: 'version-mismatch', version: -1, value: null }]);
        // Creating the same name makes the intruder's own record; the owner's stays as it was.
        expect((await intruder.kv.mutate([{ key: 'secret', value: b64('theirs'), version: -1 }])).status).toBe(200);
        expect((await intruder.kv.mutate([{ key: 'secret', value: null, version: 0 }])).status).toBe(200);
        expect((await owner.kv.get('secret')).body).toEqual({ key: 'secret', value: b64('mine'), version: 0 });
        expect(await row(owner.account.userId, 'secret')).toMatchObject({ version: 0 });

        await roundTrip(owner.app);
        expect(owner.app.updates).toHaveLength(1);
        expect(intruder.app.updates.filter(isKvUpdate)).toHaveLength(2);
    });

    it('refuses bad input with a 400 naming the field, writes nothing and keeps serving', async () => {
        const { account, app, kv } = await user();
        const key = 'k';
        const ok = { key, value: b64('v'), version: -1 };
        const bad: Array<[unknown, string]> = [
            [{}, 'body/mutations'],
            [{ mutations: [] }, 'body/mutations'],
            [{ mutations: 'x' }, 'body/mutations'],
            [{ mutations: Array.from({ length: 101 }, (_, i) => ({ ...ok, key: `k${i}` })) }, 'body/mutations'],
            [{ mutations: [ok, { ...ok }] }, 'body/mutations/1/key'],
            [{ mutations: [{ value: 'dg==', version: -1 }] }, 'body/mutations/0/key'],
            [{ mutations: [{ ...ok, key: '' }] }, 'body/mutations/0/key'],
            [{ mutations: [{ ...ok, key: 7 }] }, 'body/mutations/0/key'],
            [{ mutations: [{ ...ok, key: 'x'.repeat(101) }] }, 'body/mutations/0/key'],
            [{ mutations: [{ ...ok, key: 'nul\u0000' }] }, 'body/mutations/0/key'],
            [{ mutations: [{ ...ok, key: 'lone \ud800' }] }, 'body/mutations/0/key'],
            [{ mutations: [{ key, version: -1 }] }, 'body/mutations/0/value'],
            [{ mutations: [{ ...ok, value: 7 }] }, 'body/mutations/0/value'],
            [{ mutations: [{ ...ok, value: 'not base64!' }] }, 'body/mutations/0/value'],
            [{ mutations: [{ ...ok, value: 'QQ=a' }] }, 'body/mutations/0/value'],
            [{ mutations: [{ ...ok, value: 'Q' }] }, 'body/mutations/0/value'],
            [{ mutations: [{ ...ok, value: 'AQID-_8' }] }, 'body/mutations/0/value'],
            [{ mutations: [{ ...ok, value: 'A'.repeat(128 * 1024 + 4) }] }, 'body/mutations/0/value'],
            [{ mutations: [{ key, value: 'dg==' }] }, 'body/mutations/0/version'],
            [{ mutations: [{ ...ok, version: -2 }] }, 'body/mutations/0/version'],
            [{ mutations: [{ ...ok, version: 0.5 }] }, 'body/mutations/0/version'],
            [{ mutations: [{ ...ok, version: '0' }] }, 'body/mutations/0/version'],
            [{ mutations: [{ ...ok, version: 2 ** 31 - 1 }] }, 'body/mutations/0/version'],
            [{ mutations: [{ ...ok, version: null }] }, 'body/mutations/0/version'],
            [[], 'body/'],
        ];
        for (const [body, part] of bad) {
            const response = await account.request('POST', '/v1/kv', { body });
            expect(response.status, JSON.stringify(body).slice(0, 100)).toBe(400);
            expect(Object.keys(response.body)).toEqual(['error', 'message', 'statusCode']);
            expect(response.body.error).toBe('Error');
            expect(response.body.message).toContain(part);
        }
        // Bad base64 is refused on the update path as well (upstream: a 500 there, garbage stored on create).
        expect((await kv.mutate([ok])).status).toBe(200);
        expect((await kv.mutate([{ key, value: 'not base64!', version: 0 }])).status).toBe(400);
        expect((await kv.mutate([{ key, value: 'A'.repeat(128 * 1024 + 4), version: 0 }])).status).toBe(400);
        // The largest version that still fits the column after +1 is fine (a mismatch here).
        expect((await kv.mutate([{ key, value: b64('v'), version: 2 ** 31 - 2 }])).status).toBe(409);

        const badBulk: Array<[unknown, string]> = [
            [{}, 'body/keys'],
            [{ keys: [] }, 'body/keys'],
            [{ keys: 'k' }, 'body/keys'],
            [{ keys: Array.from({ length: 101 }, (_, i) => `k${i}`) }, 'body/keys'],
            [{ keys: [7] }, 'body/keys/0'],
            [{ keys: [''] }, 'body/keys/0'],
            [{ keys: ['nul\u0000'] }, 'body/keys/0'],
        ];
        for (const [body, part] of badBulk) {
            const response = await account.request('POST', '/v1/kv/bulk', { body });
            expect(response.status, JSON.stringify(body).slice(0, 100)).toBe(400);
            expect(response.body.message).toContain(part);
        }

        for (const [query, part] of [
            ['limit=0', 'querystring/limit'],
            ['limit=1001', 'querystring/limit'],
            ['limit=abc', 'querystring/limit'],
            ['limit=1.5', 'querystring/limit'],
            ['prefix=%00', 'querystring/prefix'],
            [`prefix=${'p'.repeat(101)}`, 'querystring/prefix'],
            ['after=', 'querystring/after'],
        ] as const) {
            const response = await kv.list(Object.fromEntries(new URLSearchParams(query)));
            expect(response.status, query).toBe(400);
            expect(response.body.message).toContain(part);
        }
        expect((await kv.list({ limit: 1000 })).status).toBe(200);

        expect((await account.request('GET', '/v1/kv/a%00b')).status).toBe(400);
        // Longer than any key: the router's own 404, as upstream.
        expect(await kv.get('x'.repeat(101))).toMatchObject({ status: 404, body: { error: 'Not found' } });
        // A key of 100 characters that need escaping in the path is still reachable.
        const wide = '/é?#%'.repeat(20);
        expect((await kv.mutate([{ key: wide, value: b64('w'), version: -1 }])).status).toBe(200);
        expect((await kv.get(wide)).body).toEqual({ key: wide, value: b64('w'), version: 0 });

        expect(await request(server.url, 'POST', '/v1/kv', { body: { mutations: [ok] } })).toMatchObject({
            status: 401,
            body: { error: 'Missing authorization header' },
        });
        expect((await request(server.url, 'GET', '/v1/kv/k', { token: 'nope' })).status).toBe(401);
        const malformed = await account.request('POST', '/v1/kv', { raw: '{"mutations":', headers: { 'content-type': 'application/json' } });
        expect(malformed).toMatchObject({ status: 400, body: { error: 'SyntaxError' } });
        const huge = await account.request('POST', '/v1/kv', { body: { mutations: [{ ...ok, value: 'A'.repeat(14 * 1024 * 1024) }] } });
        expect(huge.status).toBe(413);
        expect((await account.request('POST', '/v1/kv/bulk', { body: { keys: ['x'.repeat(100 * 1024)] } })).status).toBe(413);

        // Only the two valid batches were written and announced; unknown fields are stripped.
        expect((await kv.mutate([{ key: 'extra', value: b64('e'), version: -1, extra: true } as Mutation])).status).toBe(200);
        await roundTrip(app);
        expect(app.updates.map((u) => u.body.changes.map((c: any) => c.key))).toEqual([[key], [wide], ['extra']]);
        expect(await prisma().userKVStore.count({ where: { accountId: account.userId } })).toBe(3);
    });

    it('takes the largest legal batch: 100 mutations with the longest keys and values', async () => {
        const { account, app, kv } = await user();
        const value = Buffer.alloc(96 * 1024, 7).toString('base64');
        expect(value.length).toBe(128 * 1024);
        // Keys whose every character JSON escapes to six bytes.
        const mutations = Array.from({ length: 100 }, (_, i) => ({ key: `${String(i).padStart(3, '0')}${'\u0001'.repeat(97)}`, value, version: -1 }));
        expect(JSON.stringify({ mutations }).length).toBeGreaterThan(13_000_000);
        const response = await kv.mutate(mutations);
        expect(response.status).toBe(200);
        expect(response.body.results).toHaveLength(100);
        const bulk = await account.request('POST', '/v1/kv/bulk', { body: { keys: mutations.map((m) => m.key) } });
        expect(bulk.status).toBe(200);
        expect(bulk.body.values).toHaveLength(100);
        expect(bulk.body.values.every((v: any) => v.value === value)).toBe(true);
        const update = await app.next('update', isKvUpdate);
        expect(update.body.changes).toHaveLength(100);
    });

    it('lets exactly one of 50 concurrent writers of a key win and tells the others the winning value', async () => {
        const { account, app, kv } = await user();
        await kv.mutate([{ key: 'hot', value: b64('start'), version: -1 }]);
        const values = Array.from({ length: 50 }, (_, i) => b64(`writer-${i}`));
        const responses = await Promise.all(values.map((value) => kv.mutate([{ key: 'hot', value, version: 0 }])));
        const winners = responses.filter((r) => r.status === 200);
        expect(winners).toHaveLength(1);
        expect(winners[0]!.body).toEqual({ success: true, results: [{ key: 'hot', version: 1 }] });
        const winner = values[responses.indexOf(winners[0]!)]!;
        for (const response of responses.filter((r) => r !== winners[0])) {
            expect(response.status).toBe(409);
            expect(response.body).toEqual({ success: false, errors: [{ key: 'hot', error: 'version-mismatch', version: 1, value: winner }] });
        }
        expect(await row(account.userId, 'hot')).toMatchObject({ version: 1 });
        expect((await kv.get('hot')).body).toEqual({ key: 'hot', value: winner, version: 1 });
        await roundTrip(app);
        expect(app.updates.map((u) => u.body.changes)).toEqual([
            [{ key: 'hot', value: b64('start'), version: 0 }],
            [{ key: 'hot', value: winner, version: 1 }],
        ]);
    });

    it('creates a key once under 50 concurrent creates and answers the rest with a mismatch, never a 500', async () => {
        const { app, kv } = await user();
        const values = Array.from({ length: 50 }, (_, i) => b64(`creator-${i}`));
        const responses = await Promise.all(values.map((value) => kv.mutate([{ key: 'once', value, version: -1 }])));
        const winners = responses.filter((r) => r.status === 200);
        expect(winners).toHaveLength(1);
        const winner = values[responses.indexOf(winners[0]!)]!;
        for (const response of responses.filter((r) => r !== winners[0])) {
            expect(response.status).toBe(409);
            expect(response.body.errors).toEqual([{ key: 'once', error: 'version-mismatch', version: 0, value: winner }]);
        }
        await roundTrip(app);
        expect(app.updates).toHaveLength(1);
    });

    it('runs overlapping multi-key batches concurrently without deadlocks or lost updates', async () => {
        const { account, app, kv } = await user();
        const keys = ['k1', 'k2', 'k3', 'k4'];
        await kv.mutate(keys.map((key) => ({ key, value: b64('0'), version: -1 })));
        const writers = 10;
        const writesEach = 4;
        // Each writer updates all keys (in its own order) from the versions it knows, retrying on 409.
        const writer = async (id: number) => {
            const known = new Map(keys.map((k) => [k, 0]));
            let statuses: number[] = [];
            for (let done = 0; done < writesEach; ) {
                const order = id % 2 === 0 ? keys : [...keys].reverse();
                const response = await kv.mutate(order.map((key) => ({ key, value: b64(`${id}`), version: known.get(key)! })));
                statuses.push(response.status);
                if (response.status === 200) {
                    for (const r of response.body.results) known.set(r.key, r.version);
                    done++;
                } else {
                    for (const e of response.body.errors) known.set(e.key, e.version);
                }
            }
            return statuses;
        };
        const statuses = (await Promise.all(Array.from({ length: writers }, (_, i) => writer(i)))).flat();
        expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
        expect(statuses.filter((s) => s === 200)).toHaveLength(writers * writesEach);
        const rows = await prisma().userKVStore.findMany({ where: { accountId: account.userId } });
        expect(rows.map((r) => r.version)).toEqual(keys.map(() => writers * writesEach));
        // Every success announced once, in seq order; versions of each key climb by one per update.
        await roundTrip(app);
        expect(app.updates.map((u) => u.seq)).toEqual(app.updates.map((_, i) => i + 1));
        expect(app.updates.map((u) => u.body.changes.find((c: any) => c.key === 'k1').version)).toEqual(
            app.updates.map((_, i) => i),
        );
    });
});
