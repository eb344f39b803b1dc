import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../sources/config.ts';
import { request } from '../harness/http.ts';
import { startTestServer } from '../harness/testServer.ts';
import { useTestServer } from '../harness/useTestServer.ts';

// Upstream's standalone mode (spec rest.md §1.9): the built web app next to the API.
const APP_DIR = fileURLToPath(new URL('../fixtures/webapp/', import.meta.url));
const INDEX = await readFile(`${APP_DIR}index.html`, 'utf8');
const INJECTED = { serverUrl: 'https://happy.example.com', note: '</script><b>' };

describe('web app hosting', () => {
    const server = useTestServer({
        env: { HAPPY_STATIC_DIR: APP_DIR, HAPPY_INJECT_HTML_CONFIG: JSON.stringify(INJECTED) },
    });

    const expectApp = (result: { status: number; headers: Headers; text: string }) => {
        expect(result.status).toBe(200);
        expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8');
        const script = `<script>window.__HAPPY_CONFIG__ = ${JSON.stringify(INJECTED).replaceAll('<', '\\u003c')};</script>`;
        expect(result.text).toBe(INDEX.replace('<head data-fixture="happy-web">', `<head data-fixture="happy-web">${script}`));
    };

    it('serves index.html with the config injected after <head>, at / and /index.html', async () => {
        expectApp(await request(server.url, 'GET', '/'));
        expectApp(await request(server.url, 'GET', '/?utm=1'));
        expectApp(await request(server.url, 'GET', '/index.html'));
        // The injected value evaluates to the configured JSON, `</script>` included.
        const page = (await request(server.url, 'GET', '/')).text;
        const value = /window.__HAPPY_CONFIG__ = (.*?);<\/script>/.exec(page)?.[1] ?? '';
        expect(JSON.parse(value)).toEqual(INJECTED);
    });

    it('serves the app files as they are', async () => {
        const asset = await request(server.url, 'GET', '/_expo/static/js/app.js');
        expect(asset.status).toBe(200);
        expect(asset.headers.get('content-type')).toMatch(/javascript/);
        expect(asset.text).toBe(await readFile(`${APP_DIR}_expo/static/js/app.js`, 'utf8'));
        // Nothing outside the directory.
        expect((await request(server.url, 'GET', '/..%2f..%2fpackage.json')).text).not.toContain('happy-sync-server');
    });

    it('answers client-side routes with the app, API misses with upstream 404 bodies', async () => {
        expectApp(await request(server.url, 'GET', '/session/abc'));
        expectApp(await request(server.url, 'GET', '/v2/anything'));
        // (`/files/*` is the local store's own route here, with its text 404.)
        for (const path of ['/v1/nothing', '/v3/x', '/socket/x', '/metrics', '/health/x']) {
            const miss = await request(server.url, 'GET', path);
            expect(miss.status, path).toBe(404);
            expect(miss.body, path).toEqual({ error: 'Not found' });
        }
        const post = await request(server.url, 'POST', '/session/abc', { body: {} });
        expect(post.status).toBe(404);
        expect(post.body).toEqual({ error: 'Not found' });
    });

    it('keeps the API routes', async () => {
        expect((await request(server.url, 'GET', '/health')).body).toMatchObject({ status: 'ok' });
        const user = await server.account();
        expect((await user.request('GET', '/v1/sessions')).status).toBe(200);
        expect((await request(server.url, 'GET', '/v1/sessions')).body).toEqual({ error: 'Missing authorization header' });
    });
});

describe('web app configuration', () => {
    it('refuses a directory without index.html and malformed inject JSON, naming the variable', async () => {
        await expect(startTestServer({ env: { HAPPY_STATIC_DIR: fileURLToPath(new URL('../fixtures/', import.meta.url)) } })).rejects.toThrow(
            /HAPPY_STATIC_DIR: .* has no index.html/,
        );
        expect(() => loadConfig({ HAPPY_STATIC_DIR: APP_DIR, HAPPY_INJECT_HTML_CONFIG: '{nope' })).toThrow(/HAPPY_INJECT_HTML_CONFIG: not JSON/);
    });

    it('serves the app without injection when no config is given', async () => {
        const server = await startTestServer({ env: { HAPPY_STATIC_DIR: APP_DIR } });
        try {
            const page = await request(server.url, 'GET', '/');
            expect(page.text).toBe(INDEX);
        } finally {
            await server.dispose();
        }
    });
});
