import { describe, expect, it } from 'vitest';
import { deriveSecureKey } from '../../sources/auth/deriveKey.ts';
import { deriveSigningKey, rawPublicKey, signToken, verifyToken } from '../../sources/auth/jwt.ts';

// Test vectors of spec/storage.md §4.7, computed against upstream's privacy-kit and jose.
const SECRET = 'your-super-secret-key-for-local-development';
const PERSISTENT_TOKEN =
    'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJjbWFiYzEyM3VzZXIiLCJzZXNzaW9uIjoiY21yZXE0NTYiLCJpYXQiOjE3NTAwMDAwMDAsIm5iZiI6MTc1MDAwMDAwMCwiaXNzIjoiaGFuZHkiLCJqdGkiOiIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAifQ.OHgwGzblmxs4wiJHjajiNlcRJ6kuXZC9gDxb8Ag5kptUz3IURf5QMTgog0DaSpLc9q--yYZfQOxEyJsEdEeOAQ';
const EPHEMERAL_TOKEN =
    'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJjbWFiYzEyM3VzZXIiLCJpYXQiOjE3NTAwMDAwMDAsIm5iZiI6MTc1MDAwMDAwMCwiZXhwIjoxNzUwMDAwMzAwLCJpc3MiOiJnaXRodWItaGFwcHkiLCJqdGkiOiIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEifQ.fm7zEwgXidA7bGxF5kQniW4gFzSlmrcWIKfVhP1wqsSRBjO71g-zi40q9Sb-tws7BR_5tiNOucZyRSCc04x1DQ';

describe('upstream token format (spec storage.md §4.7)', () => {
    it('derives the persistent key material', async () => {
        expect((await deriveSecureKey(SECRET, 'handy Persistent Token')).toString('hex')).toBe(
            '9cbb29c39afe5095dac8eaebdede9a9ad9db3b1c9b4cf622ac5260f27a1f225676bbd1e70e06ef54b637fd83cc24d377258076bbbedec8aa576f8159e7107a60',
        );
        const key = await deriveSigningKey(SECRET, 'handy', 'handy Persistent Token');
        expect(rawPublicKey(key).toString('hex')).toBe('1467a63d336e27ff884dab5f70798c3fb73048c9f3acfc8a35107a2336f74b51');
    });

    it('mints the persistent token byte for byte and verifies it', async () => {
        const key = await deriveSigningKey(SECRET, 'handy', 'handy Persistent Token');
        const token = await signToken(key, {
            sub: 'cmabc123user',
            extras: { session: 'cmreq456' },
            iat: 1750000000,
            jti: '00000000-0000-4000-8000-000000000000',
        });
        expect(token).toBe(PERSISTENT_TOKEN);
        expect(await verifyToken(key, PERSISTENT_TOKEN)).toEqual({
            userId: 'cmabc123user',
            extras: { session: 'cmreq456' },
            issuedAt: 1750000000,
        });
    });

    it('mints the ephemeral (GitHub state) token byte for byte', async () => {
        const key = await deriveSigningKey(SECRET, 'github-happy', 'github-happy Ephemeral Token');
        expect(rawPublicKey(key).toString('hex')).toBe('db53dde699dfd247e7fe68cfa6b753aed949c1ac9f44e38410aa2c0db6919127');
        const token = await signToken(key, {
            sub: 'cmabc123user',
            iat: 1750000000,
            ttlSeconds: 300,
            jti: '00000000-0000-4000-8000-000000000001',
        });
        expect(token).toBe(EPHEMERAL_TOKEN);
        // Long expired: the verifier enforces exp.
        expect(await verifyToken(key, EPHEMERAL_TOKEN)).toBeNull();
    });

    it('rejects tokens of another secret, another issuer or a tampered payload', async () => {
        const key = await deriveSigningKey(SECRET, 'handy', 'handy Persistent Token');
        const other = await deriveSigningKey('another-secret', 'handy', 'handy Persistent Token');
        expect(await verifyToken(other, PERSISTENT_TOKEN)).toBeNull();
        const wrongIssuer = await deriveSigningKey(SECRET, 'github-happy', 'handy Persistent Token');
        expect(await verifyToken(wrongIssuer, PERSISTENT_TOKEN)).toBeNull();
        const [header, , signature] = PERSISTENT_TOKEN.split('.');
        const forged = Buffer.from(JSON.stringify({ sub: 'someone-else', iss: 'handy' })).toString('base64url');
        expect(await verifyToken(key, `${header}.${forged}.${signature}`)).toBeNull();
        expect(await verifyToken(key, 'not a token')).toBeNull();
    });
});
