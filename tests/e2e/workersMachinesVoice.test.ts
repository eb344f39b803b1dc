import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ciphertext } from '../harness/sessions.ts';
import { DEV_MASTER_SECRET } from '../harness/testServer.ts';
import { useStandIn, type StandInReply } from '../harness/thirdParty.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

// PUT /v1/machines/:id/status and GET /v1/voice/access (spec workers.md §2.4).
const MACHINE_KEYS = [
    'id', 'metadata', 'metadataVersion', 'daemonState', 'daemonStateVersion', 'dataEncryptionKey',
    'seq', 'active', 'activeAt', 'createdAt', 'updatedAt',
];

const isMachineUpdate = (machineId: string) => (u: any) => u.body.t === 'update-machine' && u.body.machineId === machineId;

describe('PUT /v1/machines/:id/status (spec workers.md §2.4)', () => {
    const server = useTestServer();

    async function machineOf(account: TestAccount) {
        const id = randomUUID();
        const metadata = ciphertext();
        const created = await account.request('POST', '/v1/machines', { body: { id, metadata } });
        expect(created.status).toBe(200);
        return { id, metadata };
    }

    it('replaces the given values, bumps their versions, and announces them like the socket writes', async () => {
        const account = await server.account();
        const { id, metadata } = await machineOf(account);
        const app = await account.connect();
        const daemon = await account.connect({ clientType: 'machine-scoped', machineId: id });
        const daemonState = ciphertext();

        const put = await account.request('PUT', `/v1/machines/${id}/status`, { body: { active: true, daemonState } });
        expect(put.status).toBe(200);
        expect(Object.keys(put.body)).toEqual(['machine']);
        expect(Object.keys(put.body.machine)).toEqual(MACHINE_KEYS);
        expect(put.body.machine).toMatchObject({ id, metadata, metadataVersion: 1, daemonState, daemonStateVersion: 1, active: true });

        for (const socket of [app, daemon]) {
            const update = await socket.next('update', isMachineUpdate(id));
            expect(update.body).toEqual({ t: 'update-machine', machineId: id, daemonState: { value: daemonState, version: 1 } });
        }
        // The daemon's connection announced itself too; this one carries the write's time.
        const activity = (e: any) => e.type === 'machine-activity' && e.id === id && e.activeAt === put.body.machine.activeAt;
        expect(await app.next('ephemeral', activity)).toEqual({
            type: 'machine-activity',
            id,
            active: true,
            activeAt: put.body.machine.activeAt,
        });

        // No expected version: a second write wins too; both values in one update.
        const next = { metadata: ciphertext(), daemonState: ciphertext() };
        const second = await account.request('PUT', `/v1/machines/${id}/status`, { body: { ...next, active: false } });
        expect(second.body.machine).toMatchObject({ ...next, metadataVersion: 2, daemonStateVersion: 2, active: false });
        const update = await app.next('update', (u) => isMachineUpdate(id)(u) && u.body.metadata);
        expect(update.body).toEqual({
            t: 'update-machine',
            machineId: id,
            metadata: { value: next.metadata, version: 2 },
            daemonState: { value: next.daemonState, version: 2 },
        });
        const row = await server.deps.db.prisma.machine.findUnique({ where: { accountId_id: { accountId: account.userId, id } } });
        expect(row).toMatchObject({ ...next, metadataVersion: 2, daemonStateVersion: 2, active: false });

        // The socket compare-and-set sees the new versions.
        expect(await daemon.emitWithAck('machine-update-metadata', { machineId: id, metadata: ciphertext(), expectedVersion: 2 })).toMatchObject({
            result: 'success',
            version: 3,
        });
    });

    it('with an empty body only marks the machine seen, announcing nothing', async () => {
        const account = await server.account();
        const { id } = await machineOf(account);
        const app = await account.connect();
        const put = await account.request('PUT', `/v1/machines/${id}/status`, { body: {} });
        expect(put.body.machine).toMatchObject({ id, metadataVersion: 1, daemonStateVersion: 0 });
        expect(app.updates.filter(isMachineUpdate(id))).toEqual([]);
    });

    it("refuses bad input with a 400 and another account's machine with a 404", async () => {
        const account = await server.account();
        const other = await server.account();
        const { id, metadata } = await machineOf(account);
        for (const body of [{ active: 'yes' }, { metadata: 5 }, { daemonState: null }, { metadata: 'a\u0000' }]) {
            expect((await account.request('PUT', `/v1/machines/${id}/status`, { body })).status).toBe(400);
        }
        expect(await other.request('PUT', `/v1/machines/${id}/status`, { body: { metadata: ciphertext() } })).toMatchObject({
            status: 404,
            body: { error: 'Machine not found' },
        });
        expect((await account.request('GET', `/v1/machines/${id}`)).body.machine).toMatchObject({ metadata, metadataVersion: 1 });
        expect((await server.request('PUT', `/v1/machines/${id}/status`, { body: {} })).status).toBe(401);
    });
});

describe('GET /v1/voice/access without voice configured', () => {
    const server = useTestServer();

    it('answers allowed:false voice_not_configured', async () => {
        const account = await server.account();
        expect(await account.request('GET', '/v1/voice/access')).toMatchObject({ status: 200, body: { allowed: false, reason: 'voice_not_configured' } });
    });
});

describe('GET /v1/voice/access (spec workers.md §2.4)', () => {
    const standIn = useStandIn();
    const server = useTestServer({
        env: () => ({ ELEVENLABS_API_KEY: 'xi-key', ELEVENLABS_API_URL: standIn.url, REVENUECAT_API_KEY: 'rc-key', REVENUECAT_API_URL: standIn.url }),
    });
    const elevenUserIdOf = (accountId: string) => `u_${createHmac('sha256', DEV_MASTER_SECRET).update(accountId).digest('base64url')}`;

    async function voiceUser(durations: number[], subscription: StandInReply = { json: { items: [] } }) {
        const account = await server.account();
        const elevenUserId = elevenUserIdOf(account.userId);
        standIn.on('GET', '/v1/convai/conversations', (request) =>
            request.query.get('user_id') === elevenUserId
                ? { json: { conversations: durations.map((s, i) => ({ conversation_id: `c${i}`, agent_id: 'a', call_duration_secs: s, status: 'done' })), has_more: false } }
                : { status: 404 },
        );
        standIn.on('GET', `/v2/projects/proj493735ad/customers/${account.userId}/active_entitlements`, subscription);
        return account;
    }

    it('follows the conversation quota without minting a conversation', async () => {
        const free = await voiceUser([100]);
        const allowed = await free.request('GET', '/v1/voice/access?revenueCatPublicKey=appl_public');
        expect(allowed).toMatchObject({ status: 200, body: { allowed: true } });
        expect(Object.keys(allowed.body)).toEqual(['allowed']);

        const unpaid = await voiceUser([1300]);
        expect((await unpaid.request('GET', '/v1/voice/access')).body).toEqual({ allowed: false, reason: 'subscription_required' });
        const paid = await voiceUser([1300], { json: { items: [{ entitlement_id: 'pro' }] } });
        expect((await paid.request('GET', '/v1/voice/access')).body).toEqual({ allowed: true });
        const exhausted = await voiceUser([18000], { json: { items: [{ entitlement_id: 'pro' }] } });
        expect((await exhausted.request('GET', '/v1/voice/access')).body).toEqual({ allowed: false, reason: 'voice_hard_limit_reached' });
        expect(standIn.requests.filter((r) => r.path === '/v1/convai/conversation/token')).toEqual([]);
    });

    it('denies when the usage cannot be read, and refuses bad input', async () => {
        const account = await server.account();
        standIn.on('GET', '/v1/convai/conversations', { status: 500 });
        expect((await account.request('GET', '/v1/voice/access')).body).toEqual({ allowed: false, reason: 'subscription_check_failed' });
        expect((await account.request('GET', `/v1/voice/access?revenueCatPublicKey=${'k'.repeat(600)}`)).status).toBe(400);
        expect((await server.request('GET', '/v1/voice/access')).status).toBe(401);
    });
});
