import { describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { startTestServer } from '../harness/testServer.ts';
import { useTestServer } from '../harness/useTestServer.ts';

// Global HTTP behaviour of spec rest.md §1.3-§1.9, as a client sees it.
describe('HTTP basics', () => {
    const server = useTestServer();

    it('serves the banner and a health check that touches the database', async () => {
        const banner = await request(server.url, 'GET', '/');
        expect(banner.status).toBe(200);
        expect(banner.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(banner.text).toBe('Welcome to Happy Server!');

        const health = await request(server.url, 'GET', '/health');
        expect(health.status).toBe(200);
        expect(Object.keys(health.body)).toEqual(['status', 'timestamp', 'service']);
        expect(health.body).toMatchObject({ status: 'ok', service: 'happy-server' });
        expect(new Date(health.body.timestamp).toISOString()).toBe(health.body.timestamp);
    });

    it('answers HEAD for GET routes', async () => {
        const head = await request(server.url, 'HEAD', '/health');
        expect(head.status).toBe(200);
        expect(head.text).toBe('');
    });

    it('answers unknown routes with the upstream 404 body', async () => {
        const missing = await request(server.url, 'GET', '/v1/nothing-here?x=1');
        expect(missing.status).toBe(404);
        expect(missing.body).toEqual({ error: 'Not found', path: '/v1/nothing-here?x=1', method: 'GET' });
        // Path parameters over 100 characters match no route at all (upstream's router).
        const long = await request(server.url, 'GET', `/v1/sessions/${'x'.repeat(101)}/messages`);
        expect(long.status).toBe(404);
        expect(long.body).toEqual({ error: 'Not found', path: `/v1/sessions/${'x'.repeat(101)}/messages`, method: 'GET' });
        // Trailing slashes are different routes.
        expect((await request(server.url, 'POST', '/v1/auth/', { body: {} })).status).toBe(404);
    });

    it('rejects malformed JSON with a SyntaxError body', async () => {
        const bad = await request(server.url, 'POST', '/v1/auth', {
            raw: '{"publicKey":',
            headers: { 'content-type': 'application/json' },
        });
        expect(bad.status).toBe(400);
        expect(bad.body.error).toBe('SyntaxError');
        expect(bad.body.statusCode).toBe(400);
        expect(typeof bad.body.message).toBe('string');
    });

    it('refuses prototype-poisoning JSON', async () => {
        const poisoned = await request(server.url, 'POST', '/v1/auth', {
            raw: '{"__proto__":{"polluted":true},"publicKey":"AA=="}',
            headers: { 'content-type': 'application/json' },
        });
        expect(poisoned.status).toBe(400);
        expect(poisoned.body.error).toBe('SyntaxError');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('treats an empty JSON body as {} so validation names the missing fields', async () => {
        const empty = await request(server.url, 'POST', '/v1/auth', {
            raw: '',
            headers: { 'content-type': 'application/json' },
        });
        expect(empty.status).toBe(400);
        expect(empty.body).toEqual({
            error: 'Error',
            message: expect.stringMatching(/^body\/publicKey /),
            statusCode: 400,
        });
    });

    it('rejects unsupported content types with 415', async () => {
        const xml = await request(server.url, 'POST', '/v1/auth', {
            raw: '<auth/>',
            headers: { 'content-type': 'text/xml' },
        });
        expect(xml.status).toBe(415);
        expect(xml.body).toEqual({ error: 'FastifyError', message: 'Unsupported Media Type: text/xml', statusCode: 415 });
    });

    it('rejects oversized bodies with 413 before parsing them', async () => {
        const huge = await request(server.url, 'POST', '/v1/auth', {
            body: { publicKey: 'A'.repeat(256 * 1024), challenge: '', signature: '' },
        });
        expect(huge.status).toBe(413);
        expect(huge.body).toEqual({ error: 'FastifyError', message: 'Request body is too large', statusCode: 413 });
    });

    it('answers CORS preflights strictly, like upstream', async () => {
        const preflight = await request(server.url, 'OPTIONS', '/v1/auth', {
            headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
        expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE');
        expect(preflight.headers.get('access-control-allow-headers')).toBe('*');

        const incomplete = await request(server.url, 'OPTIONS', '/v1/auth');
        expect(incomplete.status).toBe(400);
        expect(incomplete.text).toBe('Invalid Preflight Request');

        const plain = await request(server.url, 'GET', '/');
        expect(plain.headers.get('access-control-allow-origin')).toBe('*');
    });
});

describe('health when the database is gone', () => {
    it('answers 503 with the upstream error body', async () => {
        const server = await startTestServer();
        try {
            await server.deps.db.close();
            const health = await request(server.url, 'GET', '/health');
            expect(health.status).toBe(503);
            expect(health.body).toMatchObject({
                status: 'error',
                service: 'happy-server',
                error: 'Database connectivity failed',
            });
        } finally {
            await server.server.close();
            await server.database.drop();
        }
    });
});
