import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_CSP } from '../../sources/transport/http/plugins/securityHeaders.ts';
import { useTestServer } from '../harness/useTestServer.ts';

const APP_DIR = fileURLToPath(new URL('../fixtures/webapp/', import.meta.url));

/** What helmet adds to every response, whatever its type. */
function expectCommonHeaders(headers: Headers): void {
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(headers.get('cross-origin-opener-policy')).toBe('same-origin-allow-popups');
    expect(headers.get('x-dns-prefetch-control')).toBe('off');
    // Left to the TLS-terminating proxy, and never a block on embedding.
    expect(headers.get('strict-transport-security')).toBeNull();
    expect(headers.get('cross-origin-embedder-policy')).toBeNull();
}

describe('security headers', () => {
    const server = useTestServer({ env: { HAPPY_STATIC_DIR: APP_DIR } });

    it('puts the strict policy on API answers, errors and 404s included, with CORS still open', async () => {
        const account = await server.account();
        for (const response of [
            await server.request('GET', '/health'),
            await account.request('GET', '/v1/sessions'),
            await server.request('GET', '/v1/sessions'),
            await server.request('GET', '/v1/nothing-here'),
            await server.request('GET', '/openapi.json'),
        ]) {
            expectCommonHeaders(response.headers);
            expect(response.headers.get('content-security-policy')).toBe(API_CSP);
            expect(response.headers.get('access-control-allow-origin')).toBe('*');
        }
    });

    it('leaves HTML pages (the web app, Swagger UI) without a policy that would block their scripts', async () => {
        const app = await server.request('GET', '/');
        expect(app.status).toBe(200);
        expect(app.headers.get('content-type')).toMatch(/^text\/html/);
        expectCommonHeaders(app.headers);
        expect(app.headers.get('content-security-policy')).toBeNull();

        const clientRoute = await server.request('GET', '/settings/account');
        expect(clientRoute.headers.get('content-security-policy')).toBeNull();

        const docs = await fetch(`${server.url}/docs`);
        expect(docs.status).toBe(200);
        expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
        expect(docs.headers.get('content-security-policy')).not.toBe(API_CSP);
    });

    it('keeps the CORS preflight as it was', async () => {
        const preflight = await server.request('OPTIONS', '/v1/sessions', {
            headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
        expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE');
    });
});
