import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { b64, login, newAccountKeys } from '../harness/keyClient.ts';
import { startTestServer } from '../harness/testServer.ts';
import { usesPostgres } from '../harness/testDatabase.ts';

describe('embedded default across restarts', () => {
    it('keeps accounts and tokens valid with a master secret it generated itself', async () => {
        // No HANDY_MASTER_SECRET: the embedded default creates DATA_DIR/master-secret.
        const env: Record<string, string> = usesPostgres() ? {} : { HANDY_MASTER_SECRET: '' };
        const first = await startTestServer({ env, persistent: true });
        const keys = newAccountKeys();
        let token: string;
        try {
            if (!usesPostgres()) {
                const secretFile = join(first.dataDir, 'master-secret');
                expect(existsSync(secretFile)).toBe(true);
                expect(readFileSync(secretFile, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
                expect(statSync(secretFile).mode & 0o777).toBe(0o600);
            }
            ({ token } = await login(first.url, keys));
        } finally {
            await first.stop();
        }

        const second = await startTestServer({ env, reuse: { database: first.database, dataDir: first.dataDir } });
        try {
            // The old token still authenticates (the route then reports the unknown pairing key).
            const probe = await request(second.url, 'POST', '/v1/auth/response', {
                token,
                body: { publicKey: b64(new Uint8Array(32)), response: 'x' },
            });
            expect(probe).toMatchObject({ status: 404, body: { error: 'Request not found' } });
            // And the account is still there: logging in again lands in it.
            const again = await login(second.url, keys);
            expect(decodeJwt(again.token).sub).toBe(decodeJwt(token).sub);
        } finally {
            await second.dispose();
        }
    });
});
