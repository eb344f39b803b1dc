import { describe, expect, it } from 'vitest';
import { createKeyTree } from '../../sources/auth/keyTree.ts';
import { DEV_MASTER_SECRET } from '../harness/testServer.ts';
import { useTestServer } from '../harness/useTestServer.ts';

const VALIDATION = { error: 'Error', statusCode: 400 };

describe('vendor API keys (spec rest.md §3.12)', () => {
    const server = useTestServer();
    const prisma = () => server.deps.db.prisma;

    it('stores a key encrypted at rest, hands it back, lists and replaces it', async () => {
        const a = await server.account();
        expect(await a.request('GET', '/v1/connect/openai/token')).toMatchObject({ status: 200, body: { token: null } });
        expect(await a.request('GET', '/v1/connect/tokens')).toMatchObject({ status: 200, body: { tokens: [] } });

        const registered = await a.request('POST', '/v1/connect/openai/register', { body: { token: 'sk-openai-1' } });
        expect(registered.status).toBe(200);
        expect(registered.body).toEqual({ success: true });
        await a.request('POST', '/v1/connect/anthropic/register', { body: { token: 'sk-ant-ü' } });

        const got = await a.request('GET', '/v1/connect/openai/token');
        expect(got.status).toBe(200);
        expect(got.body).toEqual({ token: 'sk-openai-1' });

        // At rest: upstream's KeyTree blob for this account and vendor, never the plain text.
        const row = await prisma().serviceAccountToken.findUniqueOrThrow({ where: { accountId_vendor: { accountId: a.userId, vendor: 'openai' } } });
        expect(Buffer.from(row.token).includes(Buffer.from('sk-openai-1'))).toBe(false);
        expect(row.token[0]).toBe(0);
        const upstream = createKeyTree(DEV_MASTER_SECRET);
        expect(await upstream.decrypt(['user', a.userId, 'vendors', 'openai', 'token'], row.token)).toBe('sk-openai-1');

        const replaced = await a.request('POST', '/v1/connect/openai/register', { body: { token: 'sk-openai-2' } });
        expect(replaced.body).toEqual({ success: true });
        expect((await a.request('GET', '/v1/connect/openai/token')).body).toEqual({ token: 'sk-openai-2' });
        expect(await prisma().serviceAccountToken.count({ where: { accountId: a.userId } })).toBe(2);

        const list = await a.request('GET', '/v1/connect/tokens');
        expect(list.status).toBe(200);
        expect(list.body).toEqual({
            tokens: [
                { vendor: 'openai', token: 'sk-openai-2' },
                { vendor: 'anthropic', token: 'sk-ant-ü' },
            ],
        });
        expect(Object.keys(list.body.tokens[0])).toEqual(['vendor', 'token']);
        expect((await a.request('GET', '/v1/account/profile')).body.connectedServices).toEqual(['openai', 'anthropic']);
    });

    it('opens a key an upstream server stored in the same database', async () => {
        const a = await server.account();
        const blob = await createKeyTree(DEV_MASTER_SECRET).encrypt(['user', a.userId, 'vendors', 'gemini', 'token'], 'AIza-upstream');
        await prisma().serviceAccountToken.create({ data: { accountId: a.userId, vendor: 'gemini', token: blob } });
        expect((await a.request('GET', '/v1/connect/gemini/token')).body).toEqual({ token: 'AIza-upstream' });
        expect((await a.request('GET', '/v1/connect/tokens')).body).toEqual({ tokens: [{ vendor: 'gemini', token: 'AIza-upstream' }] });
    });

    it('keeps one key per vendor when registrations race', async () => {
        const a = await server.account();
        const tokens = Array.from({ length: 12 }, (_, i) => `sk-race-${i}`);
        const results = await Promise.all(tokens.map((token) => a.request('POST', '/v1/connect/openai/register', { body: { token } })));
        expect(results.map((r) => r.status)).toEqual(tokens.map(() => 200));
        expect(await prisma().serviceAccountToken.count({ where: { accountId: a.userId, vendor: 'openai' } })).toBe(1);
        expect(tokens).toContain((await a.request('GET', '/v1/connect/openai/token')).body.token);
    });

    it('deletes idempotently and only the named vendor of the caller', async () => {
        const a = await server.account();
        const b = await server.account();
        await a.request('POST', '/v1/connect/openai/register', { body: { token: 'sk-a' } });
        await a.request('POST', '/v1/connect/gemini/register', { body: { token: 'gm-a' } });
        await b.request('POST', '/v1/connect/openai/register', { body: { token: 'sk-b' } });

        expect(await a.request('DELETE', '/v1/connect/openai')).toMatchObject({ status: 200, body: { success: true } });
        expect(await a.request('DELETE', '/v1/connect/openai')).toMatchObject({ status: 200, body: { success: true } });
        expect(await a.request('DELETE', '/v1/connect/anthropic')).toMatchObject({ status: 200, body: { success: true } });
        expect((await a.request('GET', '/v1/connect/tokens')).body).toEqual({ tokens: [{ vendor: 'gemini', token: 'gm-a' }] });
        expect((await b.request('GET', '/v1/connect/openai/token')).body).toEqual({ token: 'sk-b' });
    });

    it('keeps accounts apart: a blob moved to another account does not open there', async () => {
        const a = await server.account();
        const b = await server.account();
        await a.request('POST', '/v1/connect/openai/register', { body: { token: 'sk-secret-of-a' } });
        expect((await b.request('GET', '/v1/connect/openai/token')).body).toEqual({ token: null });
        expect((await b.request('GET', '/v1/connect/tokens')).body).toEqual({ tokens: [] });

        const row = await prisma().serviceAccountToken.findUniqueOrThrow({ where: { accountId_vendor: { accountId: a.userId, vendor: 'openai' } } });
        await prisma().serviceAccountToken.create({ data: { accountId: b.userId, vendor: 'openai', token: row.token } });
        const stolen = await b.request('GET', '/v1/connect/openai/token');
        expect(stolen.status).toBe(500);
        expect(stolen.text).not.toContain('sk-secret-of-a');
    });

    it('answers 400 for unknown vendors and bad bodies, 401 without a token', async () => {
        const a = await server.account();
        for (const [method, path] of [
            ['POST', '/v1/connect/github/register'],
            ['POST', '/v1/connect/slack/register'],
            ['GET', '/v1/connect/slack/token'],
            ['DELETE', '/v1/connect/slack'],
        ] as const) {
            const response = await a.request(method, path, { body: method === 'POST' ? { token: 'x' } : undefined });
            expect(response.status, `${method} ${path}`).toBe(400);
            expect(response.body).toMatchObject(VALIDATION);
        }
        for (const body of [{}, { token: 42 }, { token: 'x'.repeat(16 * 1024 + 1) }]) {
            const response = await a.request('POST', '/v1/connect/openai/register', { body });
            expect(response.status).toBe(400);
            expect(response.body).toMatchObject(VALIDATION);
        }
        expect(await prisma().serviceAccountToken.count({ where: { accountId: a.userId } })).toBe(0);
        for (const [method, path] of [
            ['POST', '/v1/connect/openai/register'],
            ['GET', '/v1/connect/openai/token'],
            ['DELETE', '/v1/connect/openai'],
            ['GET', '/v1/connect/tokens'],
        ] as const) {
            const response = await server.request(method, path, { body: method === 'POST' ? { token: 'x' } : undefined });
            expect(response).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });
        }
    });
});
