import { createHmac, createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { APPROVED_WINDOW_MS, PENDING_TTL_MS, sweepPairingRequests } from '../../sources/actions/auth/pairingRequests.ts';
import { request } from '../harness/http.ts';
import { b64, login, openOnDevice, sealForDevice } from '../harness/keyClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';

/** The content key pair the app hands to a v2 CLI (spec clients.md §1). */
function contentPublicKey(secret: Uint8Array): Uint8Array {
    const root = createHmac('sha512', 'Happy EnCoder Master Seed').update(secret).digest();
    const seed = createHmac('sha512', root.subarray(32)).update(Buffer.concat([Buffer.from([0]), Buffer.from('content')])).digest().subarray(0, 32);
    const boxSecret = createHash('sha512').update(seed).digest().subarray(0, 32);
    return nacl.box.keyPair.fromSecretKey(new Uint8Array(boxSecret)).publicKey;
}

describe('terminal pairing (CLI shows a QR code, the app approves)', () => {
    const server = useTestServer();

    const poll = (publicKey: Uint8Array, supportsV2 = true) =>
        request(server.url, 'POST', '/v1/auth/request', { body: { publicKey: b64(publicKey), supportsV2 } });
    const status = (publicKey: Uint8Array) =>
        request(server.url, 'GET', `/v1/auth/request/status?publicKey=${encodeURIComponent(b64(publicKey))}`);
    const approve = (token: string, publicKey: Uint8Array, response: string) =>
        request(server.url, 'POST', '/v1/auth/response', { token, body: { publicKey: b64(publicKey), response } });

    it('hands the approving account a token and the sealed answer to the polling CLI', async () => {
        const cli = nacl.box.keyPair();
        expect(await poll(cli.publicKey)).toMatchObject({ status: 200, body: { state: 'requested' } });
        expect((await poll(cli.publicKey)).body).toEqual({ state: 'requested' });
        expect((await status(cli.publicKey)).body).toEqual({ status: 'pending', supportsV2: true });

        const app = await login(server.url);
        const answer = sealForDevice(new Uint8Array([0, ...contentPublicKey(app.keys.secret)]), cli.publicKey);
        const approved = await approve(app.token, cli.publicKey, answer);
        expect(approved).toMatchObject({ status: 200, body: { success: true } });
        expect((await status(cli.publicKey)).body).toEqual({ status: 'authorized', supportsV2: true });

        const authorized = await poll(cli.publicKey);
        expect(authorized.status).toBe(200);
        expect(Object.keys(authorized.body)).toEqual(['state', 'token', 'response']);
        expect(authorized.body.state).toBe('authorized');
        expect(authorized.body.response).toBe(answer);
        const opened = openOnDevice(authorized.body.response, cli.secretKey);
        expect(opened && Buffer.from(opened)).toEqual(Buffer.from([0, ...contentPublicKey(app.keys.secret)]));

        const claims = decodeJwt(authorized.body.token);
        expect(claims.sub).toBe(decodeJwt(app.token).sub);
        const row = await server.deps.db.prisma.terminalAuthRequest.findUniqueOrThrow({
            where: { publicKey: Buffer.from(cli.publicKey).toString('hex').toUpperCase() },
        });
        expect(Object.keys(claims)).toEqual(['sub', 'session', 'iat', 'nbf', 'iss', 'jti']);
        expect(claims.session).toBe(row.id);
        expect(row.supportsV2).toBe(true);

        // The CLI's token works like any other.
        const probe = await request(server.url, 'POST', '/v1/auth/account/response', {
            token: authorized.body.token,
            body: { publicKey: b64(nacl.box.keyPair().publicKey), response: 'x' },
        });
        expect(probe).toMatchObject({ status: 404, body: { error: 'Request not found' } });
    });

    it('keeps supportsV2 false for legacy CLIs and ignores later changes of the flag', async () => {
        const cli = nacl.box.keyPair();
        await request(server.url, 'POST', '/v1/auth/request', { body: { publicKey: b64(cli.publicKey) } });
        await poll(cli.publicKey, true);
        expect((await status(cli.publicKey)).body).toEqual({ status: 'pending', supportsV2: false });
    });

    it('lets only the first approver win; the same approver may retry', async () => {
        const cli = nacl.box.keyPair();
        await poll(cli.publicKey);
        const owner = await login(server.url);
        const intruder = await login(server.url);
        expect((await approve(owner.token, cli.publicKey, 'first')).status).toBe(200);
        expect(await approve(owner.token, cli.publicKey, 'first')).toMatchObject({ status: 200, body: { success: true } });
        expect(await approve(intruder.token, cli.publicKey, 'second')).toMatchObject({
            status: 409,
            body: { error: 'Request already answered' },
        });
        const polled = await poll(cli.publicKey);
        expect(polled.body.response).toBe('first');
        expect(decodeJwt(polled.body.token).sub).toBe(decodeJwt(owner.token).sub);
    });

    it('stops handing out tokens once the approval window has passed', async () => {
        const cli = nacl.box.keyPair();
        await poll(cli.publicKey);
        const app = await login(server.url);
        await approve(app.token, cli.publicKey, 'answer');
        expect((await poll(cli.publicKey)).body.state).toBe('authorized');

        const publicKey = Buffer.from(cli.publicKey).toString('hex').toUpperCase();
        await server.deps.db.prisma.terminalAuthRequest.update({
            where: { publicKey },
            data: { updatedAt: new Date(Date.now() - APPROVED_WINDOW_MS - 1000) },
        });
        const late = await poll(cli.publicKey);
        expect(late.body).toEqual({ state: 'requested' });
        const fresh = await server.deps.db.prisma.terminalAuthRequest.findUniqueOrThrow({ where: { publicKey } });
        expect(fresh.response).toBeNull();
        expect(fresh.responseAccountId).toBeNull();
    });

    it('expires pending requests: they can no longer be approved', async () => {
        const cli = nacl.box.keyPair();
        await poll(cli.publicKey);
        const publicKey = Buffer.from(cli.publicKey).toString('hex').toUpperCase();
        await server.deps.db.prisma.terminalAuthRequest.update({
            where: { publicKey },
            data: { createdAt: new Date(Date.now() - PENDING_TTL_MS - 1000) },
        });
        expect((await status(cli.publicKey)).body).toEqual({ status: 'not_found', supportsV2: false });
        const app = await login(server.url);
        expect(await approve(app.token, cli.publicKey, 'late')).toMatchObject({ status: 404, body: { error: 'Request not found' } });
        expect(await server.deps.db.prisma.terminalAuthRequest.count({ where: { publicKey } })).toBe(0);
    });

    it('answers bad keys with 4xx', async () => {
        const shortKey = b64(new Uint8Array(16));
        expect(await request(server.url, 'POST', '/v1/auth/request', { body: { publicKey: shortKey } })).toMatchObject({
            status: 401,
            body: { error: 'Invalid public key' },
        });
        expect((await request(server.url, 'POST', '/v1/auth/request', { body: { publicKey: '%%%' } })).status).toBe(400);
        expect((await request(server.url, 'GET', `/v1/auth/request/status?publicKey=${shortKey}`)).body).toEqual({
            status: 'not_found',
            supportsV2: false,
        });
        expect((await request(server.url, 'GET', '/v1/auth/request/status')).status).toBe(400);
        expect((await request(server.url, 'GET', '/v1/auth/request/status?publicKey=*')).status).toBe(400);
        const app = await login(server.url);
        expect(await approve(app.token, new Uint8Array(8), 'x')).toMatchObject({ status: 401, body: { error: 'Invalid public key' } });
    });
});

describe('account pairing (an agent links to an existing account)', () => {
    const server = useTestServer();

    it('links the device to the approving account with a token without extras', async () => {
        const agent = nacl.box.keyPair();
        const poll = () => request(server.url, 'POST', '/v1/auth/account/request', { body: { publicKey: b64(agent.publicKey) } });
        expect(await poll()).toMatchObject({ status: 200, body: { state: 'requested' } });

        const app = await login(server.url);
        const answer = sealForDevice(app.keys.secret, agent.publicKey);
        const approved = await request(server.url, 'POST', '/v1/auth/account/response', {
            token: app.token,
            body: { publicKey: b64(agent.publicKey), response: answer },
        });
        expect(approved).toMatchObject({ status: 200, body: { success: true } });

        const authorized = await poll();
        expect(authorized.body.state).toBe('authorized');
        expect(authorized.body.response).toBe(answer);
        expect(Buffer.from(openOnDevice(answer, agent.secretKey) ?? [])).toEqual(Buffer.from(app.keys.secret));
        const claims = decodeJwt(authorized.body.token);
        expect(claims.sub).toBe(decodeJwt(app.token).sub);
        expect(Object.keys(claims)).toEqual(['sub', 'iat', 'nbf', 'iss', 'jti']);
    });

    it('keeps the two flows apart: a terminal request is unknown to the account flow', async () => {
        const device = nacl.box.keyPair();
        await request(server.url, 'POST', '/v1/auth/request', { body: { publicKey: b64(device.publicKey) } });
        const app = await login(server.url);
        const response = await request(server.url, 'POST', '/v1/auth/account/response', {
            token: app.token,
            body: { publicKey: b64(device.publicKey), response: 'x' },
        });
        expect(response).toMatchObject({ status: 404, body: { error: 'Request not found' } });
    });

    it('sweeps expired requests of both flows', async () => {
        const prisma = server.deps.db.prisma;
        const stale = new Date(Date.now() - PENDING_TTL_MS - 1000);
        await prisma.accountAuthRequest.create({ data: { publicKey: 'AA'.repeat(32), createdAt: stale } });
        await prisma.terminalAuthRequest.create({ data: { publicKey: 'BB'.repeat(32), createdAt: stale } });
        expect(await sweepPairingRequests(prisma)).toBeGreaterThanOrEqual(2);
        expect(await prisma.accountAuthRequest.count({ where: { publicKey: 'AA'.repeat(32) } })).toBe(0);
        expect(await prisma.terminalAuthRequest.count({ where: { publicKey: 'BB'.repeat(32) } })).toBe(0);
    });
});
