import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer } from '../../sources/admin/adminServer.ts';
import { backup, restore } from '../../sources/cli/backup.ts';
import { doctor } from '../../sources/cli/doctor.ts';
import { revokeTokens } from '../../sources/cli/revokeTokens.ts';
import { loadConfig } from '../../sources/config.ts';
import { request } from '../harness/http.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { connectError } from '../harness/socketClient.ts';
import { createTestDatabase } from '../harness/testDatabase.ts';
import { DEV_MASTER_SECRET, startTestServer } from '../harness/testServer.ts';
import { useTestServer } from '../harness/useTestServer.ts';
import { waitFor } from '../harness/waitFor.ts';

// The admin CLI against a running server, through its admin socket (the way an operator uses
// it next to a running embedded server), on the configured database (PGlite or Postgres).
describe('admin CLI', () => {
    const server = useTestServer();
    let admin: { close(): Promise<void> } | undefined;
    const env = () => {
        const started = server.server as Awaited<ReturnType<typeof startTestServer>>;
        return { ...started.database.env, HANDY_MASTER_SECRET: DEV_MASTER_SECRET, DATA_DIR: started.dataDir };
    };
    beforeAll(async () => {
        admin = await startAdminServer(server.deps);
    });
    afterAll(async () => {
        await admin?.close();
    });

    it('doctor reports a healthy setup through the running server', async () => {
        const checks = await doctor(env());
        expect(checks.map((check) => check.part)).toEqual(['configuration', 'server', 'database', 'redis', 'blobStore']);
        expect(checks.filter((check) => !check.ok)).toEqual([]);
        expect(checks[1]!.detail).toMatch(/^running \(pid \d+/);
    });

    it('doctor names the failing part of a broken setup', async () => {
        const dataDir = await mkdtemp(join(tmpdir(), 'happy-doctor-'));
        try {
            const badRedis = await doctor({ DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:1' });
            expect(badRedis.filter((check) => !check.ok).map((check) => check.part)).toEqual(['redis']);
            expect(badRedis.find((check) => check.part === 'redis')!.detail).toMatch(/127\.0\.0\.1:1: .*ECONNREFUSED/);

            const badDatabase = await doctor({ DATA_DIR: dataDir, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none', HANDY_MASTER_SECRET: 'x' });
            expect(badDatabase.filter((check) => !check.ok).map((check) => check.part)).toEqual(['database']);
            expect(badDatabase.find((check) => check.part === 'database')!.detail).toMatch(/^Postgres at 127\.0\.0\.1:1\/none/);

            const badConfig = await doctor({ DATA_DIR: dataDir, S3_HOST: 'minio' });
            expect(badConfig).toHaveLength(1);
            expect(badConfig[0]).toMatchObject({ part: 'configuration', ok: false, detail: expect.stringMatching(/S3_/) });
        } finally {
            await rm(dataDir, { recursive: true, force: true });
        }
    });

    it('takes a backup under message load that restores every acknowledged message', async () => {
        const user = await server.account();
        const session = await createSession(server.url, user.token);
        const acknowledged: string[] = [];
        let sending = true;
        let batch = 0;
        const load = (async () => {
            while (sending) {
                const messages = Array.from({ length: 5 }, (_, i) => ({ localId: `b${batch}-${i}`, content: ciphertext() }));
                batch += 1;
                const response = await postMessages(server.url, user.token, session.id, messages);
                if (response.status === 200) acknowledged.push(...messages.map((message) => message.localId));
            }
        })();
        await waitFor('messages before the backup', () => acknowledged.length >= 50);
        const beforeBackup = [...acknowledged];
        const dir = await mkdtemp(join(tmpdir(), 'happy-backup-'));
        const file = join(dir, 'backup.jsonl');
        try {
            expect(await backup(loadConfig(env()), file)).toMatch(/running server/);
            sending = false;
            await load;

            const target = await createTestDatabase(join(dir, 'restored-pglite'));
            const restoredEnv = { ...target.env, HANDY_MASTER_SECRET: DEV_MASTER_SECRET, DATA_DIR: join(dir, 'restored') };
            expect(await restore(loadConfig(restoredEnv), file)).toBeGreaterThan(beforeBackup.length);
            // A second restore into the same (now full) database is refused, naming why.
            await expect(restore(loadConfig(restoredEnv), file)).rejects.toThrow(/not empty/);

            const restored = await startTestServer({ reuse: { database: target, dataDir: join(dir, 'restored') } });
            try {
                const listed = await request(restored.url, 'GET', `/v3/sessions/${session.id}/messages?limit=500`, { token: user.token });
                expect(listed.status).toBe(200);
                const localIds = listed.body.messages.map((message: any) => message.localId);
                expect(beforeBackup.filter((id) => !localIds.includes(id))).toEqual([]);
                // One instant of the database: the session's messages without a gap.
                const seqs = listed.body.messages.map((message: any) => message.seq);
                expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
            } finally {
                await restored.dispose();
            }
        } finally {
            sending = false;
            await load;
            await rm(dir, { recursive: true, force: true });
        }
    });

    it('refuses a truncated or foreign backup file', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'happy-backup-'));
        try {
            const file = join(dir, 'backup.jsonl');
            await backup(loadConfig(env()), file);
            const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
            await writeFile(file, `${lines.slice(0, -1).join('\n')}\n`);
            const target = await createTestDatabase();
            const targetEnv = { ...target.env, HANDY_MASTER_SECRET: DEV_MASTER_SECRET, DATA_DIR: join(dir, 'restored') };
            try {
                await expect(restore(loadConfig(targetEnv), file)).rejects.toThrow(/incomplete/);
                await writeFile(file, 'hello\n');
                await expect(restore(loadConfig(targetEnv), file)).rejects.toThrow(/line 1: not JSON/);
            } finally {
                await target.drop();
            }
        } finally {
            await rm(dir, { recursive: true, force: true });
        }
    });

    it('revokes the tokens an account holds, on REST and on the socket, and lets it log in again', async () => {
        const user = await server.account();
        const other = await server.account();
        const open = await user.connect();
        expect((await user.request('GET', '/v1/sessions')).status).toBe(200);

        expect(await revokeTokens(loadConfig(env()), user.userId)).toMatch(/every node refuses them now/);
        const refused = await user.request('GET', '/v1/sessions');
        expect(refused.status).toBe(401);
        expect(refused.body).toEqual({ error: 'Invalid token' });
        expect(await connectError(server.url, { token: user.token })).toBe('Invalid authentication token');
        await waitFor('the open socket dropped', () => !open.socket.connected);
        // Other accounts keep their tokens; the revoked one logs in again with its keys.
        expect((await other.request('GET', '/v1/sessions')).status).toBe(200);
        const again = await server.account(user.keys);
        expect((await again.request('GET', '/v1/sessions')).status).toBe(200);

        await expect(revokeTokens(loadConfig(env()), 'cnosuchaccount000000000000')).rejects.toThrow(/no account/);
    });
});
