import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thumbHashToApproximateAspectRatio } from 'thumbhash';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../sources/config.ts';
import { createDeps } from '../../sources/deps.ts';
import { request } from '../harness/http.ts';
import { startS3Server, STORES, TEST_BUCKET, useStoreServer, type StoreKind } from '../harness/s3Server.ts';
import { createSession } from '../harness/sessions.ts';
import { roundTrip } from '../harness/socketClient.ts';
import { createTestDatabase } from '../harness/testDatabase.ts';
import { form, image, replyOf, type FormFile } from '../harness/uploads.ts';
import type { TestAccount } from '../harness/useTestServer.ts';

const AVATAR_KEYS = ['id', 'path', 'contentType', 'size', 'width', 'height', 'thumbhash'];
const IMAGE_VIEW_KEYS = ['path', 'width', 'height', 'thumbhash', 'url'];
const isAvatarUpdate = (u: any) => u.body.t === 'update-account' && 'avatar' in u.body;

describe.each(STORES)('avatars and public files on the %s store', (store: StoreKind) => {
    const server = useStoreServer(store);
    const avatars = (a: TestAccount) => server.deps.files.list(`public/users/${a.userId}/avatars/`);

    async function postAvatar(a: TestAccount, file?: FormFile) {
        const response = await fetch(`${server.url}/v1/uploads/avatar`, { method: 'POST', headers: { authorization: `Bearer ${a.token}` }, body: form({}, file) });
        return replyOf(response);
    }

    /** Where a client fetches a public URL: tests listen on an ephemeral port PUBLIC_URL cannot name. */
    const reachable = (url: string) => url.replace(server.deps.config.publicUrl, server.url);

    it('makes an uploaded image the avatar: stored, announced, shown and publicly served', async () => {
        const a = await server.account();
        const app = await a.connect();
        const sessionId = (await createSession(server.url, a.token)).id;
        const cli = await a.connect({ clientType: 'session-scoped', sessionId });
        const png = await image('png', 120, 80);

        const uploaded = await postAvatar(a, { bytes: png, type: 'image/png', name: 'me.png' });
        expect(uploaded.status).toBe(200);
        expect(Object.keys(uploaded.body)).toEqual(['success', 'avatar']);
        const avatar = uploaded.body.avatar;
        expect(Object.keys(avatar)).toEqual(AVATAR_KEYS);
        expect(avatar).toMatchObject({ contentType: 'image/png', size: png.length, width: 120, height: 80 });
        expect(avatar.path).toMatch(new RegExp(`^public/users/${a.userId}/avatars/avatar_[A-Za-z0-9]{24}\\.png$`));
        expect(thumbHashToApproximateAspectRatio(Buffer.from(avatar.thumbhash, 'base64'))).toBeCloseTo(1.5, 0);
        expect(await server.deps.db.prisma.uploadedFile.findUnique({ where: { id: avatar.id } })).toMatchObject({
            path: avatar.path,
            width: 120,
            height: 80,
            thumbhash: avatar.thumbhash,
        });

        const { files, publicUrl } = server.deps.config;
        // S3_PUBLIC_URL is the bucket on s3rver here (its objects are readable without a signature).
        const url = files.kind === 's3' ? `${files.publicUrl}/${avatar.path}` : `${publicUrl}/files/${avatar.path}`;
        if (files.kind === 's3') expect(files.publicUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${TEST_BUCKET}$`));
        const view = { path: avatar.path, width: 120, height: 80, thumbhash: avatar.thumbhash, url };
        const profile = await a.request('GET', '/v1/account/profile');
        expect(profile.body.avatar).toEqual(view);
        expect(Object.keys(profile.body.avatar)).toEqual(IMAGE_VIEW_KEYS);
        const update = await app.next('update', isAvatarUpdate);
        expect(update.body).toEqual({ t: 'update-account', id: a.userId, avatar: view });
        await roundTrip(cli);
        expect(cli.updates.filter(isAvatarUpdate)).toEqual([]);

        // Anyone can fetch it from its public URL, without a token.
        const served = await fetch(reachable(url));
        expect(served.status).toBe(200);
        expect(served.headers.get('content-type')).toBe('image/png');
        expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    });

    it('replaces the previous avatar, removing its file and blob, and clears it when the file is deleted', async () => {
        const a = await server.account();
        const app = await a.connect();
        const first = (await postAvatar(a, { bytes: await image('png', 10, 10), type: 'image/png' })).body.avatar;
        const jpeg = await image('jpeg', 40, 20);
        const second = await postAvatar(a, { bytes: jpeg, type: 'image/jpeg' });
        expect(second.body.avatar).toMatchObject({ contentType: 'image/jpeg', width: 40, height: 20 });
        expect(second.body.avatar.path).toMatch(/\.jpg$/);
        expect(await avatars(a)).toEqual([second.body.avatar.path]);
        expect(await server.deps.db.prisma.uploadedFile.findUnique({ where: { id: first.id } })).toBeNull();
        expect((await a.request('GET', '/v1/account/profile')).body.avatar.path).toBe(second.body.avatar.path);

        const webp = await postAvatar(a, { bytes: await image('webp', 16, 16), type: 'image/webp' });
        expect(webp.body.avatar).toMatchObject({ contentType: 'image/webp', width: 16, height: 16 });
        const listed = await a.request('GET', '/v1/uploads?category=avatars');
        expect(listed.body.files.map((f: any) => f.id)).toEqual([webp.body.avatar.id]);

        expect((await a.request('DELETE', `/v1/uploads/${webp.body.avatar.id}`)).body).toEqual({ success: true });
        expect((await a.request('GET', '/v1/account/profile')).body.avatar).toBeNull();
        await app.next('update', (u) => isAvatarUpdate(u) && u.body.avatar === null);
        expect(await avatars(a)).toEqual([]);
    });

    it('refuses what is not a raster image within 5 MB, changing nothing', async () => {
        const a = await server.account();
        const kept = (await postAvatar(a, { bytes: await image('png', 8, 8), type: 'image/png' })).body.avatar;
        const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
        const refused: Array<[FormFile | undefined, string]> = [
            [undefined, 'No file provided'],
            [{ bytes: svg, type: 'image/svg+xml' }, 'Unsupported image type: image/svg+xml. Supported: image/jpeg, image/png, image/gif, image/webp'],
            [{ bytes: Buffer.from('text'), type: 'image/png' }, 'File content is not image/png'],
            [{ bytes: await image('png', 8, 8), type: 'image/gif' }, 'File content is not image/gif'],
            [{ bytes: new Uint8Array(0), type: 'image/png' }, 'File is empty'],
            [{ bytes: new Uint8Array(5 * 1024 * 1024 + 1), type: 'image/png' }, 'Avatar exceeds maximum 5MB'],
        ];
        for (const [file, error] of refused) expect(await postAvatar(a, file)).toEqual({ status: 400, body: { error } });
        expect((await a.request('GET', '/v1/account/profile')).body.avatar.path).toBe(kept.path);
        expect(await avatars(a)).toEqual([kept.path]);
        expect(await server.deps.db.prisma.uploadedFile.count({ where: { accountId: a.userId } })).toBe(1);
    });

    it('serves only public files under /files, never attachments or uploads', async () => {
        const a = await server.account();
        const avatar = (await postAvatar(a, { bytes: await image('png', 8, 8), type: 'image/png' })).body.avatar;
        const upload = await fetch(`${server.url}/v1/uploads`, {
            method: 'POST',
            headers: { authorization: `Bearer ${a.token}` },
            body: form({}, { bytes: Buffer.from('private'), type: 'text/plain' }),
        }).then(replyOf);
        const sessionId = (await createSession(server.url, a.token)).id;
        const ticket = await a.request('POST', `/v1/sessions/${sessionId}/attachments/request-upload`, { body: { filename: 'x', size: 1 } });
        const hidden = [
            upload.body.file.path,
            ticket.body.ref,
            'public/users',
            'public/..%2F..%2Fincoming',
            `public%2F..%2F${upload.body.file.path.replaceAll('/', '%2F')}`,
            'public/users/x/avatars/.hidden',
            '',
        ];
        if (store === 'local') {
            const fs = await a.request('PUT', `/v1/sessions/${sessionId}/attachments/${ticket.body.ref.split('/').pop()}`, {
                raw: new Uint8Array([7]),
                headers: { 'content-type': 'application/octet-stream' },
            });
            expect(fs.status).toBe(200);
            for (const path of hidden) {
                const res = await request(server.url, 'GET', `/files/${path}`);
                expect({ path, status: res.status, text: res.text, type: res.headers.get('content-type') }).toEqual({
                    path,
                    status: 404,
                    text: 'Not found',
                    type: 'text/plain; charset=utf-8',
                });
            }
            const head = await fetch(`${server.url}/files/${avatar.path}`, { method: 'HEAD' });
            expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({ status: 200, length: String(avatar.size) });
        } else {
            // S3 mode has no /files route at all (avatars come from S3_PUBLIC_URL).
            const res = await request(server.url, 'GET', `/files/${avatar.path}`);
            expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: { error: 'Not found', path: `/files/${avatar.path}`, method: 'GET' } });
        }
    });

    it('is checked by GET /ready with the other dependencies', async () => {
        const ready = await request(server.url, 'GET', '/ready');
        expect(ready.status).toBe(200);
        expect(ready.body).toMatchObject({ status: 'ready', blobStore: 'up' });
    });
});

describe('blob store configuration and start-up', () => {
    const s3 = (env: Record<string, string>) => loadConfig({ S3_HOST: 'minio', S3_ACCESS_KEY: 'k', S3_SECRET_KEY: 's', S3_BUCKET: 'b1b', ...env }).files;

    it('follows upstream defaults and refuses bad values naming the variable', () => {
        expect(loadConfig({ DATA_DIR: '/srv/happy' }).files).toEqual({
            kind: 'local',
            root: '/srv/happy/files',
            spoolDir: '/srv/happy/incoming',
            linkBaseUrl: undefined,
        });
        // Attachment links use PUBLIC_URL only when it is set (else the address the client called).
        expect(loadConfig({ PUBLIC_URL: 'https://happy.example/' }).files.linkBaseUrl).toBe('https://happy.example');
        expect(s3({})).toMatchObject({ kind: 's3', endpoint: 'https://minio', forcePathStyle: true, region: 'us-east-1', publicUrl: 'https://minio/b1b' });
        expect(s3({ S3_USE_SSL: 'false', S3_PORT: '9000', S3_PUBLIC_URL: 'https://cdn.example/avatars/' })).toMatchObject({
            endpoint: 'http://minio:9000',
            publicUrl: 'https://cdn.example/avatars',
        });
        expect(s3({ S3_HOST: 's3.eu-west-1.amazonaws.com' })).toMatchObject({ forcePathStyle: false, publicUrl: 'https://b1b.s3.eu-west-1.amazonaws.com' });
        expect(s3({ S3_HOST: 's3.eu-west-1.amazonaws.com', S3_FORCE_PATH_STYLE: 'true' })).toMatchObject({ forcePathStyle: true });

        const refused: Array<[Record<string, string>, RegExp]> = [
            [{ S3_BUCKET: '' }, /S3_BUCKET: required when S3_HOST is set/],
            [{ S3_USE_SSL: 'yes' }, /S3_USE_SSL: must be true or false/],
            [{ S3_HOST: 'http://minio:9000' }, /S3_HOST: must be a host name/],
            [{ S3_PORT: 'abc' }, /S3_PORT:/],
            [{ S3_BUCKET: 'Bad_Bucket' }, /S3_BUCKET: must be a bucket name/],
            [{ S3_PUBLIC_URL: 'ftp://x' }, /S3_PUBLIC_URL:/],
        ];
        for (const [env, message] of refused) {
            expect(() => s3(env)).toThrow(ConfigError);
            expect(() => s3(env)).toThrow(message);
        }
    });

    async function startWith(env: Record<string, string>) {
        const database = await createTestDatabase();
        const dataDir = await mkdtemp(join(tmpdir(), 'happy-files-'));
        try {
            const deps = await createDeps(loadConfig({ HANDY_MASTER_SECRET: 'x', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...database.env, ...env }));
            await deps.close();
        } finally {
            await database.drop();
            await rm(dataDir, { recursive: true, force: true });
        }
    }

    it('stops start-up when the bucket is missing or S3 does not answer', async () => {
        const server = await startS3Server();
        try {
            await expect(startWith({ ...server.env, S3_BUCKET: 'no-such-bucket' })).rejects.toThrow(/S3_BUCKET: bucket "no-such-bucket" at .* does not exist/);
            await expect(startWith(server.env)).resolves.toBeUndefined();
        } finally {
            await server.close();
        }
        const unreachable = startWith(server.env);
        await expect(unreachable).rejects.toThrow(ConfigError);
        await expect(unreachable).rejects.toThrow(/S3_HOST: bucket "happy-test" at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    });
});
