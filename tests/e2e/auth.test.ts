import { createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { b64, login, loginBody, newAccountKeys } from '../harness/keyClient.ts';
import { startTestServer } from '../harness/testServer.ts';
import { useTestServer } from '../harness/useTestServer.ts';

// The public key derived from the dev master secret (spec storage.md §4.7); the harness runs
// with that secret, so tokens must verify against this key with no help from the server.
const DEV_TOKEN_PUBLIC_KEY = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from('1467a63d336e27ff884dab5f70798c3fb73048c9f3acfc8a35107a2336f74b51', 'hex').toString('base64url') },
    format: 'jwk',
});

// A token minted by upstream's privacy-kit for the dev secret (spec storage.md §4.7).
const UPSTREAM_TOKEN =
    'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJjbWFiYzEyM3VzZXIiLCJzZXNzaW9uIjoiY21yZXE0NTYiLCJpYXQiOjE3NTAwMDAwMDAsIm5iZiI6MTc1MDAwMDAwMCwiaXNzIjoiaGFuZHkiLCJqdGkiOiIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAifQ.OHgwGzblmxs4wiJHjajiNlcRJ6kuXZC9gDxb8Ag5kptUz3IURf5QMTgog0DaSpLc9q--yYZfQOxEyJsEdEeOAQ';

describe('POST /v1/auth', () => {
    const server = useTestServer();

    it('creates the account on first sight and returns an upstream-format token', async () => {
        const keys = newAccountKeys();
        const response = await request(server.url, 'POST', '/v1/auth', { body: loginBody(keys) });
        expect(response.status).toBe(200);
        expect(Object.keys(response.body)).toEqual(['success', 'token']);
        expect(response.body.success).toBe(true);

        const token: string = response.body.token;
        expect(token.startsWith('eyJhbGciOiJFZERTQSJ9.')).toBe(true);
        expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA' });
        const claims = decodeJwt(token);
        expect(Object.keys(claims)).toEqual(['sub', 'iat', 'nbf', 'iss', 'jti']);
        expect(claims.iss).toBe('handy');
        expect(claims.nbf).toBe(claims.iat);
        expect(claims.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        const { payload } = await jwtVerify(token, DEV_TOKEN_PUBLIC_KEY, { issuer: 'handy' });

        const account = await server.deps.db.prisma.account.findUniqueOrThrow({ where: { id: payload.sub } });
        expect(account.publicKey).toBe(Buffer.from(keys.publicKey).toString('hex').toUpperCase());
        expect(account).toMatchObject({ seq: 0, feedSeq: 0n, settings: null, settingsVersion: 0, username: null });
    });

    it('logs the same key into the same account with a new token each time', async () => {
        const keys = newAccountKeys();
        const first = await login(server.url, keys);
        const second = await login(server.url, keys);
        expect(second.token).not.toBe(first.token);
        expect(decodeJwt(second.token).sub).toBe(decodeJwt(first.token).sub);
        const count = await server.deps.db.prisma.account.count({
            where: { publicKey: Buffer.from(keys.publicKey).toString('hex').toUpperCase() },
        });
        expect(count).toBe(1);
    });

    it('refuses a replayed login body', async () => {
        const body = loginBody(newAccountKeys());
        expect((await request(server.url, 'POST', '/v1/auth', { body })).status).toBe(200);
        const replay = await request(server.url, 'POST', '/v1/auth', { body });
        expect(replay.status).toBe(401);
        expect(replay.body).toEqual({ error: 'Challenge already used' });
    });

    it('refuses a concurrent replay: exactly one of the same body wins', async () => {
        const body = loginBody(newAccountKeys());
        const results = await Promise.all(
            Array.from({ length: 5 }, () => request(server.url, 'POST', '/v1/auth', { body })),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
    });

    it('answers bad signatures, keys and base64 with 4xx, never 500', async () => {
        const keys = newAccountKeys();
        const other = newAccountKeys();
        const forged = { ...loginBody(keys), publicKey: b64(other.publicKey) };
        expect(await request(server.url, 'POST', '/v1/auth', { body: forged })).toMatchObject({
            status: 401,
            body: { error: 'Invalid signature' },
        });

        const shortKey = { ...loginBody(keys), publicKey: b64(new Uint8Array(31)) };
        expect(await request(server.url, 'POST', '/v1/auth', { body: shortKey })).toMatchObject({
            status: 401,
            body: { error: 'Invalid public key' },
        });

        const shortSignature = { ...loginBody(keys), signature: b64(new Uint8Array(63)) };
        expect(await request(server.url, 'POST', '/v1/auth', { body: shortSignature })).toMatchObject({
            status: 401,
            body: { error: 'Invalid signature' },
        });

        for (const field of ['publicKey', 'challenge', 'signature'] as const) {
            const badBase64 = { ...loginBody(keys), [field]: 'not*base64' };
            const response = await request(server.url, 'POST', '/v1/auth', { body: badBase64 });
            expect(response.status).toBe(400);
            expect(response.body).toEqual({ error: 'Error', message: `body/${field} Invalid base64`, statusCode: 400 });
        }

        const wrongType = await request(server.url, 'POST', '/v1/auth', { body: { publicKey: 42, challenge: [], signature: null } });
        expect(wrongType.status).toBe(400);
        expect(wrongType.body.message).toMatch(/^body\/publicKey /);
    });

    it('accepts an empty challenge, as upstream does', async () => {
        const response = await request(server.url, 'POST', '/v1/auth', { body: loginBody(newAccountKeys(), new Uint8Array(0)) });
        expect(response.status).toBe(200);
    });

    it('verifies signatures over the raw challenge bytes only', async () => {
        const keys = newAccountKeys();
        const challenge = new Uint8Array([1, 2, 3]);
        const signedSomethingElse = nacl.sign.detached(new Uint8Array([1, 2, 3, 4]), keys.secretKey);
        const response = await request(server.url, 'POST', '/v1/auth', {
            body: { publicKey: b64(keys.publicKey), challenge: b64(challenge), signature: b64(signedSomethingElse) },
        });
        expect(response.status).toBe(401);
    });
});

describe('bearer authentication', () => {
    const server = useTestServer();

    const probe = (token?: string, authorization?: string) =>
        request(server.url, 'POST', '/v1/auth/response', {
            token,
            headers: authorization ? { authorization } : {},
            body: { response: 'x', publicKey: b64(new Uint8Array(32)) },
        });

    it('answers missing, malformed and invalid credentials with the upstream 401 bodies', async () => {
        expect(await probe()).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });
        expect(await probe(undefined, 'bearer abc')).toMatchObject({ status: 401, body: { error: 'Missing authorization header' } });
        expect(await probe('not-a-token')).toMatchObject({ status: 401, body: { error: 'Invalid token' } });
        const { token } = await login(server.url);
        const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
        expect(await probe(tampered)).toMatchObject({ status: 401, body: { error: 'Invalid token' } });
    });

    it('accepts its own tokens and tokens minted by upstream for the same secret', async () => {
        const { token } = await login(server.url);
        // Authenticated: the request reaches the route, which reports the unknown pairing key.
        expect(await probe(token)).toMatchObject({ status: 404, body: { error: 'Request not found' } });
        expect(await probe(UPSTREAM_TOKEN)).toMatchObject({ status: 404, body: { error: 'Request not found' } });
    });

    it('validates the body before authenticating, as upstream does', async () => {
        const response = await request(server.url, 'POST', '/v1/auth/response', { body: { response: 1 } });
        expect(response.status).toBe(400);
    });
});

describe('tokens across master secrets', () => {
    it('rejects tokens signed with another master secret', async () => {
        const other = await startTestServer({ env: { HANDY_MASTER_SECRET: 'a-different-secret' } });
        try {
            const response = await request(other.url, 'POST', '/v1/auth/response', {
                token: UPSTREAM_TOKEN,
                body: { response: 'x', publicKey: b64(new Uint8Array(32)) },
            });
            expect(response).toMatchObject({ status: 401, body: { error: 'Invalid token' } });
        } finally {
            await other.dispose();
        }
    });
});
