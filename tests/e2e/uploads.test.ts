import { readdir } from 'node:fs/promises';
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash';
import { describe, expect, it } from 'vitest';
import { STORES, useStoreServer, type StoreKind } from '../harness/s3Server.ts';
import { request } from '../harness/http.ts';
import { form, generatedBytes, image, replyOf, sha256Of, streamedForm, type FormFile } from '../harness/uploads.ts';
import type { TestAccount } from '../harness/useTestServer.ts';

const MiB = 1024 * 1024;
const FILE_KEYS = ['id', 'path', 'originalName', 'contentType', 'size', 'width', 'height', 'thumbhash', 'createdAt', 'updatedAt'];
const PLAIN_FILE_KEYS = FILE_KEYS.filter((key) => !['width', 'height', 'thumbhash'].includes(key));

/** Decodes a stored thumbhash the way the app does and checks it has the image's shape. */
function expectThumbhashOf(thumbhash: string, width: number, height: number) {
    const bytes = Buffer.from(thumbhash, 'base64');
    expect(bytes.toString('base64')).toBe(thumbhash);
    expect(thumbHashToApproximateAspectRatio(bytes)).toBeCloseTo(width / height, 0);
    const decoded = thumbHashToRGBA(bytes);
    expect(decoded.w / decoded.h).toBeCloseTo(width / height, 0);
}

describe.each(STORES)('/v1/uploads on the %s store', (store: StoreKind) => {
    const server = useStoreServer(store);
    const prisma = () => server.deps.db.prisma;

    async function post(a: TestAccount, fields: Record<string, string>, file?: FormFile, fileFirst = false) {
        return replyOf(
            await fetch(`${server.url}/v1/uploads`, {
                method: 'POST',
                headers: { authorization: `Bearer ${a.token}` },
                body: form(fields, file, fileFirst),
            }),
        );
    }

    /** Every blob, spooled upload and file row: what a refused upload must leave unchanged. */
    const everything = async () => ({
        blobs: await server.deps.files.list(''),
        spooled: await readdir(server.deps.config.files.spoolDir),
        files: await prisma().uploadedFile.count(),
        meta: (await prisma().$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM "UploadedFileMeta"`)[0]!.n,
    });

    it('stores a PNG and a JPEG with their real type, size, dimensions and thumbhash', async () => {
        const a = await server.account();
        const png = await image('png', 64, 32);
        const jpeg = await image('jpeg', 30, 90);

        const pngUpload = await post(a, { category: 'avatars' }, { bytes: png, type: 'image/png', name: 'me.png' });
        expect(pngUpload.status).toBe(200);
        expect(Object.keys(pngUpload.body)).toEqual(['success', 'file']);
        expect(Object.keys(pngUpload.body.file)).toEqual(FILE_KEYS);
        const file = pngUpload.body.file;
        expect(file).toMatchObject({ originalName: 'me.png', contentType: 'image/png', size: png.length, width: 64, height: 32 });
        expect(file.path).toBe(`avatars/${a.userId}/${file.id}.png`);
        expectThumbhashOf(file.thumbhash, 64, 32);
        expect(await prisma().uploadedFile.findUnique({ where: { id: file.id } })).toMatchObject({
            accountId: a.userId,
            path: file.path,
            width: 64,
            height: 32,
            thumbhash: file.thumbhash,
        });

        const jpegUpload = await post(a, { category: 'documents' }, { bytes: jpeg, type: 'image/jpeg', name: 'tall.jpg' });
        expect(jpegUpload.body.file).toMatchObject({ contentType: 'image/jpeg', size: jpeg.length, width: 30, height: 90 });
        expect(jpegUpload.body.file.path).toBe(`documents/${a.userId}/${jpegUpload.body.file.id}.jpg`);
        expectThumbhashOf(jpegUpload.body.file.thumbhash, 30, 90);

        // Metadata and bytes read back as stored.
        const got = await a.request('GET', `/v1/uploads/${file.id}`);
        expect(got.body).toEqual({ file, url: `/v1/uploads/${file.id}/download` });
        expect(Object.keys(got.body)).toEqual(['file', 'url']);
        const downloaded = await fetch(`${server.url}${got.body.url}`, { headers: { authorization: `Bearer ${a.token}` } });
        expect(downloaded.status).toBe(200);
        expect(downloaded.headers.get('content-type')).toBe('image/png');
        expect(downloaded.headers.get('content-length')).toBe(String(png.length));
        expect(downloaded.headers.get('etag')).toBeTruthy();
        expect(Buffer.from(await downloaded.arrayBuffer()).equals(png)).toBe(true);
    });

    it('stores documents and text in the default category, without image fields', async () => {
        const a = await server.account();
        const cases: Array<[string, Uint8Array, string]> = [
            ['application/pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'), '.pdf'],
            ['text/markdown', Buffer.from('# Notes\n\nNaïve café ☕\n'), '.md'],
            ['application/json', Buffer.from('{"a":[1,2,3]}'), '.json'],
            ['text/plain', Buffer.from('plain text\n'), '.txt'],
        ];
        for (const [type, bytes, extension] of cases) {
            const res = await post(a, {}, { bytes, type, name: `doc${extension}` });
            expect({ type, status: res.status }).toEqual({ type, status: 200 });
            expect(Object.keys(res.body.file)).toEqual(PLAIN_FILE_KEYS);
            expect(res.body.file).toMatchObject({ contentType: type, size: bytes.length, path: `files/${a.userId}/${res.body.file.id}${extension}` });
        }
        // An SVG is an image too: rendered once for its size and thumbhash.
        const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#08f"/></svg>');
        const vector = await post(a, {}, { bytes: svg, type: 'image/svg+xml', name: 'logo.svg' });
        expect(vector.body.file).toMatchObject({ contentType: 'image/svg+xml', width: 200, height: 100, path: `files/${a.userId}/${vector.body.file.id}.svg` });
        expectThumbhashOf(vector.body.file.thumbhash, 200, 100);
    });

    it('lists newest first with a working category filter and cursor', async () => {
        const a = await server.account();
        const b = await server.account();
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
            const category = i % 2 === 0 ? 'documents' : 'files';
            ids.push((await post(a, { category }, { bytes: Buffer.from(`file ${i}`), type: 'text/plain' })).body.file.id);
        }
        await post(b, {}, { bytes: Buffer.from('not yours'), type: 'text/plain' });

        const all = await a.request('GET', '/v1/uploads');
        expect(Object.keys(all.body)).toEqual(['files']);
        expect(all.body.files.map((f: any) => f.id)).toEqual([...ids].reverse());

        const documents = await a.request('GET', '/v1/uploads?category=documents');
        expect(documents.body.files.map((f: any) => f.id)).toEqual([ids[4], ids[2], ids[0]]);

        const seen: string[] = [];
        let cursor: string | undefined;
        do {
            const page = await a.request('GET', `/v1/uploads?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
            expect(page.status).toBe(200);
            seen.push(...page.body.files.map((f: any) => f.id));
            cursor = page.body.nextCursor;
            if (cursor) expect(Object.keys(page.body)).toEqual(['files', 'nextCursor']);
        } while (cursor);
        expect(seen).toEqual([...ids].reverse());

        // A cursor survives the deletion of the file it points after.
        const first = await a.request('GET', '/v1/uploads?limit=2');
        expect((await a.request('DELETE', `/v1/uploads/${first.body.files[1].id}`)).body).toEqual({ success: true });
        const next = await a.request('GET', `/v1/uploads?limit=2&cursor=${first.body.nextCursor}`);
        expect(next.body.files.map((f: any) => f.id)).toEqual([ids[2], ids[1]]);

        expect((await a.request('GET', '/v1/uploads?cursor=nonsense')).body).toEqual({ error: 'Invalid cursor format' });
        for (const query of ['limit=0', 'limit=201', 'category=secret']) {
            const bad = await a.request('GET', `/v1/uploads?${query}`);
            expect(bad.status).toBe(400);
            expect(bad.body.message).toMatch(/^querystring\//);
        }
    });

    it('reuses a file by key per account, also when uploads race', async () => {
        const a = await server.account();
        const b = await server.account();
        const bytes = Buffer.from('same content');
        const racing = await Promise.all(
            [1, 2, 3].map(() => post(a, { reuseKey: 'k1' }, { bytes, type: 'text/plain', name: 'one.txt' })),
        );
        const ids = new Set(racing.map((r) => r.body.file.id));
        expect(ids.size).toBe(1);
        const again = await post(a, { reuseKey: 'k1' }, { bytes: Buffer.from('other'), type: 'text/plain', name: 'two.txt' });
        expect(again.body.file).toEqual(racing[0]!.body.file);
        const blobs = (await server.deps.files.list('')).filter((key) => key.startsWith(`files/${a.userId}/`));
        expect(blobs).toEqual([racing[0]!.body.file.path]);

        const theirs = await post(b, { reuseKey: 'k1' }, { bytes, type: 'text/plain' });
        expect(theirs.body.file.id).not.toBe(racing[0]!.body.file.id);
    });

    it('refuses missing, empty, wrongly typed, disguised and oversized files, leaving nothing behind', async () => {
        const a = await server.account();
        const before = await everything();
        const png = await image('png', 8, 8);
        const refused: Array<[Record<string, string>, FormFile | undefined, string, boolean?]> = [
            [{}, undefined, 'missing-file'],
            [{}, { bytes: new Uint8Array(0), type: 'text/plain' }, 'missing-file'],
            [{}, { bytes: Buffer.from('PK\u0003\u0004'), type: 'application/zip' }, 'invalid-type'],
            [{}, { bytes: Buffer.from('not a png'), type: 'image/png' }, 'invalid-type'],
            [{}, { bytes: png, type: 'image/jpeg' }, 'invalid-type'],
            [{}, { bytes: png.subarray(0, png.length - 20), type: 'image/png' }, 'invalid-type'],
            [{}, { bytes: Buffer.from([0x68, 0x00, 0x69]), type: 'text/plain' }, 'invalid-type'],
            [{}, { bytes: Buffer.from([0xff, 0xfe, 0x41]), type: 'text/markdown' }, 'invalid-type'],
            [{}, { bytes: Buffer.from('hello'), type: 'application/pdf' }, 'invalid-type'],
            [{ category: 'avatars' }, { bytes: new Uint8Array(5 * MiB + 1), type: 'text/plain' }, 'size-exceeded'],
            // The category after the file: the size is checked once it is known.
            [{ category: 'avatars' }, { bytes: new Uint8Array(5 * MiB + 1), type: 'text/plain' }, 'size-exceeded', true],
        ];
        for (const [fields, file, code, fileFirst] of refused) {
            const res = await post(a, fields, file, fileFirst);
            expect({ code, status: res.status, keys: Object.keys(res.body) }).toEqual({ code, status: 400, keys: ['success', 'error', 'code'] });
            expect(res.body).toMatchObject({ success: false, code });
        }
        for (const [fields, file] of [
            [{ category: 'secret' }, { bytes: Buffer.from('x'), type: 'text/plain' }],
            [{ category: '../public' }, { bytes: Buffer.from('x'), type: 'text/plain' }],
            [{ reuseKey: 'k'.repeat(257) }, { bytes: Buffer.from('x'), type: 'text/plain' }],
        ] as Array<[Record<string, string>, FormFile]>) {
            const res = await post(a, fields, file);
            expect(res.status).toBe(400);
            expect(res.body).toMatchObject({ error: 'Error', statusCode: 400 });
            expect(res.body.message).toMatch(/^body\/(category|reuseKey) /);
        }
        // A body cut short, a form without boundary: the client's fault.
        const boundary = '----cut';
        for (const [contentType, body] of [
            [`multipart/form-data; boundary=${boundary}`, `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello`],
            ['multipart/form-data', 'garbage'],
        ]) {
            const res = await fetch(`${server.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': contentType! }, body });
            const reply = await replyOf(res);
            expect(reply).toMatchObject({ status: 400, body: { error: 'Error', statusCode: 400 } });
            expect(reply.body.message).toMatch(/^Malformed multipart body: /);
        }
        expect(await everything()).toEqual(before);

        // The path is the server's whatever the client calls the file (whose name loses its directories).
        const named = await post(a, {}, { bytes: Buffer.from('x'), type: 'text/plain', name: '../../../etc/passwd' });
        expect(named.body.file.originalName).toBe('passwd');
        expect(named.body.file.path).toBe(`files/${a.userId}/${named.body.file.id}.txt`);
    });

    it('refuses a declared oversized body at once and streams 50 and 100 MB uploads to their limits', async () => {
        const a = await server.account();
        const before = await everything();
        const declared = await fetch(`${server.url}/v1/uploads`, {
            method: 'POST',
            headers: { authorization: `Bearer ${a.token}` },
            body: form({}, { bytes: new Uint8Array(100 * MiB + 128 * 1024), type: 'text/plain' }),
        });
        expect(await replyOf(declared)).toEqual({
            status: 400,
            body: { success: false, error: 'File exceeds maximum 100MB for files', code: 'size-exceeded' },
        });
        const streamed = async (category: string, size: number) => {
            const bytes = generatedBytes(size);
            const body = streamedForm({ category }, { name: 'big.txt', type: 'text/plain', chunks: bytes.chunks });
            const response = await fetch(`${server.url}/v1/uploads`, {
                method: 'POST',
                headers: { authorization: `Bearer ${a.token}`, 'content-type': body.contentType },
                body: body.body,
                duplex: 'half',
            } as RequestInit);
            return { ...(await replyOf(response)), sha256: bytes.sha256 };
        };
        expect((await streamed('documents', 50 * MiB + 1)).body).toMatchObject({ code: 'size-exceeded' });
        expect(await everything()).toEqual(before);

        const fifty = await streamed('documents', 50 * MiB);
        expect(fifty.body.file).toMatchObject({ size: 50 * MiB, contentType: 'text/plain' });
        const hundred = await streamed('files', 100 * MiB);
        expect(hundred.status).toBe(200);
        expect(hundred.body.file.size).toBe(100 * MiB);
        const download = await fetch(`${server.url}/v1/uploads/${hundred.body.file.id}/download`, { headers: { authorization: `Bearer ${a.token}` } });
        expect(download.headers.get('content-length')).toBe(String(100 * MiB));
        expect(await sha256Of(download.body)).toBe(hundred.sha256());
        for (const file of [fifty.body.file, hundred.body.file]) await a.request('DELETE', `/v1/uploads/${file.id}`);
        expect(await everything()).toEqual(before);
    });

    it('keeps files to their owner and deletes row and blob together', async () => {
        const a = await server.account();
        const b = await server.account();
        const file = (await post(a, {}, { bytes: Buffer.from('mine'), type: 'text/plain' })).body.file;
        for (const [method, path] of [
            ['GET', `/v1/uploads/${file.id}`],
            ['GET', `/v1/uploads/${file.id}/download`],
            ['DELETE', `/v1/uploads/${file.id}`],
        ] as const) {
            const res = await b.request(method, path);
            expect({ method, path, status: res.status, body: res.body }).toEqual({ method, path, status: 404, body: { error: 'File not found' } });
        }
        expect((await b.request('GET', '/v1/uploads')).body).toEqual({ files: [] });
        const anonymous = await fetch(`${server.url}/v1/uploads`, { method: 'POST', body: form({}, { bytes: Buffer.from('x'), type: 'text/plain' }) });
        expect(await replyOf(anonymous)).toEqual({ status: 401, body: { error: 'Missing authorization header' } });
        expect((await request(server.url, 'GET', `/v1/uploads/${file.id}/download`)).status).toBe(401);

        expect((await a.request('DELETE', `/v1/uploads/${file.id}`)).body).toEqual({ success: true });
        expect(await server.deps.files.list(file.path)).toEqual([]);
        expect(await prisma().uploadedFile.findUnique({ where: { id: file.id } })).toBeNull();
        expect((await a.request('DELETE', `/v1/uploads/${file.id}`)).status).toBe(404);
    });
});
