import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSession } from '../harness/sessions.ts';
import { STORES, useStoreServer, type StoreKind } from '../harness/s3Server.ts';
import { skipClusterTests, startTestCluster } from '../harness/testCluster.ts';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { scrapeRegistry } from '../harness/prometheus.ts';
import { generatedBytes, replyOf, streamBody } from '../harness/uploads.ts';
import type { TestServer } from '../harness/testServer.ts';
import type { TestAccount } from '../harness/useTestServer.ts';

const MAX = 10 * 1024 * 1024;
const RATE_LIMITED = { error: 'Too many upload requests. Try again in a minute.' };

describe.each(STORES)('session attachments on the %s store', (store: StoreKind) => {
    const server = useStoreServer(store);
    const keys = (sessionId: string) => server.deps.files.list(`sessions/${sessionId}/attachments/`);

    async function requestUpload(a: TestAccount, sessionId: string, size = 100) {
        return a.request('POST', `/v1/sessions/${sessionId}/attachments/request-upload`, { body: { filename: 'photo.png', size } });
    }

    /** Uploads the way the app does in each mode: PUT with the token, or the presigned POST form. */
    async function upload(a: TestAccount, sessionId: string, bytes: Uint8Array): Promise<string> {
        const ticket = await requestUpload(a, sessionId, bytes.length);
        expect(ticket.status).toBe(200);
        if (store === 's3') {
            const data = new FormData();
            for (const [name, value] of Object.entries(ticket.body.formFields as Record<string, string>)) data.append(name, value);
            data.append('file', new Blob([bytes]), 'blob');
            const posted = await fetch(ticket.body.uploadUrl, { method: 'POST', body: data });
            expect(posted.status).toBe(204);
        } else {
            const put = await fetch(ticket.body.uploadUrl, {
                method: 'PUT',
                headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/octet-stream' },
                body: bytes,
            });
            expect(await replyOf(put)).toEqual({ status: 200, body: { ok: true } });
        }
        return ticket.body.ref;
    }

    /** Downloads the way the app does: the link of request-download (with the token locally). */
    async function download(a: TestAccount, sessionId: string, ref: string): Promise<Buffer> {
        const link = await a.request('POST', `/v1/sessions/${sessionId}/attachments/request-download`, { body: { ref } });
        expect(link.status).toBe(200);
        expect(Object.keys(link.body)).toEqual(['downloadUrl']);
        const headers: Record<string, string> = store === 'local' ? { authorization: `Bearer ${a.token}` } : {};
        const response = await fetch(link.body.downloadUrl, { headers });
        expect(response.status).toBe(200);
        return Buffer.from(await response.arrayBuffer());
    }

    it('answers request-upload with the ref and the upload method of the store', async () => {
        const a = await server.account();
        const sessionId = (await createSession(server.url, a.token)).id;
        const ticket = await requestUpload(a, sessionId);
        expect(ticket.status).toBe(200);
        expect(ticket.body.ref).toMatch(new RegExp(`^sessions/${sessionId}/attachments/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.enc$`));
        const file = ticket.body.ref.split('/').pop();
        if (store === 's3') {
            expect(Object.keys(ticket.body)).toEqual(['ref', 'uploadUrl', 'method', 'formFields']);
            expect(ticket.body.method).toBe('POST');
            const fields = ticket.body.formFields as Record<string, string>;
            expect(fields.key).toBe(ticket.body.ref);
            const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString());
            expect(policy.conditions).toContainEqual(['content-length-range', 0, MAX]);
            // 15 minutes, give or take the time the request took.
            expect(Date.parse(policy.expiration) - Date.now()).toBeGreaterThan(14 * 60 * 1000);
            expect(Date.parse(policy.expiration) - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);
        } else {
            expect(ticket.body).toEqual({ ref: ticket.body.ref, uploadUrl: `${server.url}/v1/sessions/${sessionId}/attachments/${file}`, method: 'PUT' });
            expect(Object.keys(ticket.body)).toEqual(['ref', 'uploadUrl', 'method']);
        }
        // Issuing a ref stores nothing.
        expect(await keys(sessionId)).toEqual([]);

        // The link names the address the client called; forwarded headers are not believed.
        const spoofed = await a.request('POST', `/v1/sessions/${sessionId}/attachments/request-upload`, {
            body: { filename: 'x', size: 1 },
            headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
        });
        if (store === 'local') expect(spoofed.body.uploadUrl.startsWith(`${server.url}/`)).toBe(true);
        else expect(spoofed.body.uploadUrl).toBe(ticket.body.uploadUrl);
    });

    it('round-trips an attachment byte for byte, up to exactly 10 MiB', async () => {
        const a = await server.account();
        const sessionId = (await createSession(server.url, a.token)).id;
        for (const size of [1, 1024 * 1024 + 7, MAX]) {
            const bytes = randomBytes(size);
            const ref = await upload(a, sessionId, bytes);
            expect((await download(a, sessionId, ref)).equals(bytes)).toBe(true);

            // The direct GET: the bytes locally, a redirect to a presigned URL on S3.
            const file = ref.split('/').pop();
            const direct = await fetch(`${server.url}/v1/sessions/${sessionId}/attachments/${file}`, {
                headers: { authorization: `Bearer ${a.token}` },
                redirect: 'manual',
            });
            if (store === 's3') {
                expect(direct.status).toBe(302);
                const followed = await fetch(direct.headers.get('location')!);
                expect(Buffer.from(await followed.arrayBuffer()).equals(bytes)).toBe(true);
            } else {
                expect(direct.status).toBe(200);
                expect(direct.headers.get('content-type')).toBe('application/octet-stream');
                expect(direct.headers.get('content-length')).toBe(String(size));
                expect(Buffer.from(await direct.arrayBuffer()).equals(bytes)).toBe(true);
            }
        }
        expect(await keys(sessionId)).toHaveLength(3);
    });

    it('never lets another account reach an attachment: by ref, by URL or under /files', async () => {
        const a = await server.account();
        const b = await server.account();
        const sessionId = (await createSession(server.url, a.token)).id;
        const theirSession = (await createSession(server.url, b.token)).id;
        const ref = await upload(a, sessionId, randomBytes(64));
        const file = ref.split('/').pop();

        expect(await b.request('POST', `/v1/sessions/${sessionId}/attachments/request-upload`, { body: { filename: 'x', size: 1 } })).toMatchObject({
            status: 404,
            body: { error: 'Session not found' },
        });
        const byRef = await b.request('POST', `/v1/sessions/${sessionId}/attachments/request-download`, { body: { ref } });
        expect({ status: byRef.status, body: byRef.body }).toEqual({ status: 404, body: { error: 'Session not found' } });
        const viaOwnSession = await b.request('POST', `/v1/sessions/${theirSession}/attachments/request-download`, { body: { ref } });
        expect({ status: viaOwnSession.status, body: viaOwnSession.body }).toEqual({ status: 400, body: { error: 'Ref does not belong to this session' } });

        const byUrl = await b.request('GET', `/v1/sessions/${sessionId}/attachments/${file}`);
        expect({ status: byUrl.status, body: byUrl.body }).toEqual({ status: 404, body: { error: 'Session not found' } });
        const anonymous = await request(server.url, 'GET', `/v1/sessions/${sessionId}/attachments/${file}`);
        expect({ status: anonymous.status, body: anonymous.body }).toEqual({ status: 401, body: { error: 'Missing authorization header' } });
        const overwrite = await b.request('PUT', `/v1/sessions/${sessionId}/attachments/${file}`, {
            raw: new Uint8Array([1, 2, 3]),
            headers: { 'content-type': 'application/octet-stream' },
        });
        expect(overwrite.status).toBe(404);

        const underFiles = await request(server.url, 'GET', `/files/${ref}`);
        expect(underFiles.status).toBe(404);
        if (store === 'local') expect(underFiles.text).toBe('Not found');
        expect((await download(a, sessionId, ref)).length).toBe(64);
    });

    it('refuses bad refs, names and sizes with upstream bodies', async () => {
        const a = await server.account();
        const sessionId = (await createSession(server.url, a.token)).id;
        const prefix = `sessions/${sessionId}/attachments/`;
        for (const ref of [`${prefix}`, `${prefix}../../x.enc`, `${prefix}a/b.enc`, `${prefix}.hidden`, `${prefix}a%2Fb`]) {
            const res = await a.request('POST', `/v1/sessions/${sessionId}/attachments/request-download`, { body: { ref } });
            expect({ ref, status: res.status, body: res.body }).toEqual({ ref, status: 400, body: { error: 'Invalid attachment ref' } });
        }
        for (const ref of ['x.enc', `sessions/other/attachments/x.enc`, `/${prefix}x.enc`]) {
            const res = await a.request('POST', `/v1/sessions/${sessionId}/attachments/request-download`, { body: { ref } });
            expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { error: 'Ref does not belong to this session' } });
        }
        for (const name of ['..%2F..%2Fpublic%2Fx.enc', 'x..enc', '.hidden', 'a%2Fb']) {
            const res = await a.request('GET', `/v1/sessions/${sessionId}/attachments/${name}`);
            expect({ name, status: res.status, body: res.body }).toEqual({ name, status: 404, body: { error: 'Invalid attachment file' } });
        }

        const tooBig = await requestUpload(a, sessionId, MAX + 1);
        expect(tooBig.status).toBe(400);
        expect(tooBig.body).toMatchObject({ error: 'Error', statusCode: 400 });
        expect(tooBig.body.message).toMatch(/^body\/size /);
        const noName = await a.request('POST', `/v1/sessions/${sessionId}/attachments/request-upload`, { body: { size: 1 } });
        expect(noName.body).toMatchObject({ error: 'Error', statusCode: 400 });
        expect(noName.body.message).toMatch(/^body\/filename /);
        expect(await keys(sessionId)).toEqual([]);
    });

    it.runIf(store === 'local')('refuses bad local uploads before storing anything', async () => {
        const a = await server.account();
        const sessionId = (await createSession(server.url, a.token)).id;
        const name = `${randomUUID()}.enc`;
        const put = (path: string, body: string | Uint8Array | ReadableStream<Uint8Array>, headers: Record<string, string> = { 'content-type': 'application/octet-stream' }) =>
            fetch(`${server.url}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${a.token}`, ...headers }, body, duplex: 'half' } as RequestInit).then(replyOf);
        const path = `/v1/sessions/${sessionId}/attachments/${name}`;

        // Only names of the issued form, never a path.
        for (const bad of ['evil.enc', '..%2F..%2Fpublic%2Fusers%2Fx.enc', `${randomUUID()}.png`, `..%2F${name}`]) {
            expect(await put(`/v1/sessions/${sessionId}/attachments/${bad}`, 'x')).toEqual({ status: 404, body: { error: 'Invalid attachment file' } });
        }
        // Over 10 MiB: refused on the declared length, and when streamed without one.
        expect(await put(path, new Uint8Array(MAX + 1))).toEqual({ status: 413, body: { error: 'File too large (max 10MB)' } });
        const streamed = generatedBytes(MAX + 1);
        expect(await put(path, streamBody(streamed.chunks()))).toEqual({ status: 413, body: { error: 'File too large (max 10MB)' } });
        expect(await put(path, new Uint8Array(0))).toEqual({ status: 400, body: { error: 'Attachment is empty' } });
        expect(await put(path, JSON.stringify({ a: 1 }), { 'content-type': 'application/json' })).toEqual({
            status: 400,
            body: { error: 'Attachment body must be application/octet-stream' },
        });
        expect(await put(`/v1/sessions/nope/attachments/${name}`, 'x')).toEqual({ status: 404, body: { error: 'Session not found' } });
        expect(await keys(sessionId)).toEqual([]);
        expect(await server.deps.files.list('')).not.toContainEqual(expect.stringContaining('public/'));

        const missing = await a.request('GET', path);
        expect({ status: missing.status, body: missing.body }).toEqual({ status: 404, body: { error: 'Attachment not found' } });
    });

    it.runIf(store === 's3')('has no direct upload in S3 mode', async () => {
        const a = await server.account();
        const sessionId = (await createSession(server.url, a.token)).id;
        const res = await a.request('PUT', `/v1/sessions/${sessionId}/attachments/${randomUUID()}.enc`, {
            raw: new Uint8Array([1]),
            headers: { 'content-type': 'application/octet-stream' },
        });
        expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: { error: 'Direct upload not available in S3 mode' } });
        expect(await keys(sessionId)).toEqual([]);
    });

    it('limits request-upload to 60 a minute per user, before anything else', async () => {
        const a = await server.account();
        const b = await server.account();
        const sessionId = (await createSession(server.url, a.token)).id;
        for (let i = 0; i < 60; i++) expect((await requestUpload(a, sessionId)).status).toBe(200);
        const refusals = async () => (await scrapeRegistry(server.deps.metrics)).sum('http_rate_limited_total', { limit: 'attachment_requests' });
        const before = await refusals();
        for (const path of [sessionId, 'no-such-session']) {
            const limited = await a.request('POST', `/v1/sessions/${path}/attachments/request-upload`, { body: { filename: 'x', size: 1 } });
            expect({ status: limited.status, body: limited.body }).toEqual({ status: 429, body: RATE_LIMITED });
        }
        expect((await refusals()) - before).toBe(2);
        // Per user: another account is not affected.
        const theirs = (await createSession(server.url, b.token)).id;
        expect((await requestUpload(b, theirs)).status).toBe(200);
    });

    it('removes the blobs of a deleted session, and only those', async () => {
        const a = await server.account();
        const doomed = (await createSession(server.url, a.token)).id;
        const kept = (await createSession(server.url, a.token)).id;
        await upload(a, doomed, randomBytes(10));
        await upload(a, doomed, randomBytes(20));
        const keptRef = await upload(a, kept, randomBytes(30));
        expect(await keys(doomed)).toHaveLength(2);

        expect((await a.request('DELETE', `/v1/sessions/${doomed}`)).status).toBe(200);
        expect(await keys(doomed)).toEqual([]);
        expect(await keys(kept)).toEqual([keptRef]);
    });
});

describe.skipIf(skipClusterTests)('the upload-request limit across nodes (Redis)', () => {
    it('counts one user on every node together', async () => {
        const cluster = await startTestCluster(2);
        try {
            const [a, b] = cluster.nodes as [TestServer, TestServer];
            const { token } = await login(a.url);
            const session = await request(a.url, 'POST', '/v1/sessions', { token, body: { tag: 't', metadata: 'm' } });
            const sessionId = session.body.session.id;
            const ask = (url: string) =>
                request(url, 'POST', `/v1/sessions/${sessionId}/attachments/request-upload`, { token, body: { filename: 'x', size: 1 } });
            for (let i = 0; i < 30; i++) {
                expect((await ask(a.url)).status).toBe(200);
                expect((await ask(b.url)).status).toBe(200);
            }
            for (const url of [a.url, b.url]) {
                const limited = await ask(url);
                expect({ status: limited.status, body: limited.body }).toEqual({ status: 429, body: RATE_LIMITED });
            }
        } finally {
            await cluster.dispose();
        }
    });
});
