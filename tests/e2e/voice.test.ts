import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../sources/monitoring/log.ts';
import { captureLines, findSecrets } from '../harness/logScan.ts';
import { DEV_MASTER_SECRET } from '../harness/testServer.ts';
import { useStandIn, type ReceivedRequest, type StandInReply } from '../harness/thirdParty.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

// Spec rest.md §3.13: ElevenLabs and RevenueCat played by a local stand-in.
const ELEVEN_KEY = 'xi-test-key-0f3b9c';
const REVENUECAT_KEY = 'rc-test-key-7d21aa';
const CONVERSATIONS = '/v1/convai/conversations';
const TOKEN = '/v1/convai/conversation/token';
const GRANT_KEYS = ['allowed', 'conversationToken', 'conversationId', 'agentId', 'elevenUserId', 'usedSeconds', 'limitSeconds'];
const DENIAL_KEYS = ['allowed', 'reason', 'usedSeconds', 'limitSeconds', 'agentId'];
const USAGE_KEYS = ['usedSeconds', 'limitSeconds', 'conversationCount', 'conversationLimit', 'elevenUserId'];

/** The pseudonym of spec storage.md §4.6, computed the way the spec states it. */
const elevenUserIdOf = (accountId: string) => `u_${createHmac('sha256', DEV_MASTER_SECRET).update(accountId).digest('base64url')}`;

/** A LiveKit-style JWT as ElevenLabs returns it; only the payload matters to the server. */
function livekitToken(room: string | undefined): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'participant', video: { room, roomJoin: true } })}.c2lnbmF0dXJl`;
}

const conversationsOf = (durations: number[]) => ({
    conversations: durations.map((seconds, i) => ({ conversation_id: `conv_${i}`, agent_id: 'agent', call_duration_secs: seconds, status: 'done' })),
    has_more: false,
});

describe('voice (spec rest.md §3.13)', () => {
    const standIn = useStandIn();
    const capture = captureLines();
    const server = useTestServer({
        env: () => ({
            ELEVENLABS_API_KEY: ELEVEN_KEY,
            ELEVENLABS_API_URL: standIn.url,
            REVENUECAT_API_KEY: REVENUECAT_KEY,
            // A trailing slash is tolerated.
            REVENUECAT_API_URL: `${standIn.url}/`,
        }),
        log: createLogger('trace', { destination: capture.destination }),
    });

    /** An account whose ElevenLabs history and RevenueCat answer are set by the test. */
    async function voiceUser(options: { durations?: number[]; subscription?: StandInReply; room?: string } = {}) {
        const account = await server.account();
        const elevenUserId = elevenUserIdOf(account.userId);
        standIn.on('GET', CONVERSATIONS, (request) =>
            request.query.get('user_id') === elevenUserId ? { json: conversationsOf(options.durations ?? []) } : { status: 404 },
        );
        standIn.on('GET', `/v2/projects/proj493735ad/customers/${account.userId}/active_entitlements`, options.subscription ?? { json: { object: 'list', items: [] } });
        standIn.on('GET', TOKEN, { json: { token: livekitToken(options.room ?? 'room_agent_abc_conv_7Hq2xYz') } });
        return { account, elevenUserId };
    }

    const start = (account: TestAccount, agentId: unknown = 'agent_01') => account.request('POST', '/v1/voice/conversations', { body: { agentId } });
    const received = (path: string) => standIn.requests.filter((r) => r.path === path);
    const revenueCatCalls = () => standIn.requests.filter((r) => r.path.startsWith('/v2/projects/'));

    it('grants a conversation under the free limit, filed under the pseudonym, with exact shapes', async () => {
        const { account, elevenUserId } = await voiceUser({ durations: [200, 100.5] });
        const response = await start(account);
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
            allowed: true,
            conversationToken: livekitToken('room_agent_abc_conv_7Hq2xYz'),
            conversationId: 'conv_7Hq2xYz',
            agentId: 'agent_01',
            elevenUserId,
            usedSeconds: 300.5,
            limitSeconds: 1200,
        });
        expect(Object.keys(response.body)).toEqual(GRANT_KEYS);

        const [usage] = received(CONVERSATIONS) as [ReceivedRequest];
        expect(usage.headers['xi-api-key']).toBe(ELEVEN_KEY);
        expect(usage.query.get('page_size')).toBe('100');
        const since = Date.parse(usage.query.get('created_after')!);
        const thirtyDays = 30 * 24 * 3600 * 1000;
        expect(Math.abs(Date.now() - thirtyDays - since)).toBeLessThan(60 * 60 * 1000);
        const [token] = received(TOKEN) as [ReceivedRequest];
        expect(token.headers['xi-api-key']).toBe(ELEVEN_KEY);
        expect(Object.fromEntries(token.query)).toEqual({ agent_id: 'agent_01', participant_name: elevenUserId });
        // Under the free limit nobody asks whether the user pays.
        expect(revenueCatCalls()).toEqual([]);
    });

    it('passes an agent id with URL syntax in it as one encoded parameter (upstream weak spot 11)', async () => {
        const { account } = await voiceUser();
        const agentId = 'agent&participant_name=someone-else#x y';
        expect((await start(account, agentId)).body).toMatchObject({ allowed: true, agentId });
        const [token] = received(TOKEN) as [ReceivedRequest];
        expect(token.query.getAll('agent_id')).toEqual([agentId]);
        expect(token.query.getAll('participant_name')).toHaveLength(1);
    });

    it('denies in upstream order: conversation count, hard limit, then the free limit without a subscription', async () => {
        const cases: Array<[number[], StandInReply | undefined, string, number]> = [
            [Array(100).fill(1), { json: { items: [{ entitlement_id: 'pro' }] } }, 'voice_conversation_limit_reached', 18000],
            [[9000, 9000], { json: { items: [{ entitlement_id: 'pro' }] } }, 'voice_hard_limit_reached', 18000],
            [[1200], undefined, 'subscription_required', 1200],
        ];
        for (const [durations, subscription, reason, limitSeconds] of cases) {
            const { account } = await voiceUser({ durations, subscription });
            const response = await start(account);
            const usedSeconds = durations.reduce((a, b) => a + b, 0);
            expect(response.status).toBe(200);
            expect(response.body).toEqual({ allowed: false, reason, usedSeconds, limitSeconds, agentId: 'agent_01' });
            expect(Object.keys(response.body)).toEqual(DENIAL_KEYS);
            expect(received(TOKEN)).toEqual([]);
        }
        const [subscriptionCheck] = revenueCatCalls() as [ReceivedRequest];
        expect(subscriptionCheck.headers.authorization).toBe(`Bearer ${REVENUECAT_KEY}`);
    });

    it('lets a subscriber past the free limit, up to the hard limit', async () => {
        const { account } = await voiceUser({ durations: [1500], subscription: { json: { items: [{ entitlement_id: 'pro', expires_at: null }] } } });
        const response = await start(account);
        expect(response.body).toMatchObject({ allowed: true, usedSeconds: 1500, limitSeconds: 18000 });
    });

    it('counts a failing or garbled RevenueCat as no subscription', async () => {
        for (const subscription of [{ status: 500, json: { message: 'oops' } }, { status: 404 }, { body: 'not json' }, { json: { items: 'x' } }] as StandInReply[]) {
            const { account } = await voiceUser({ durations: [1200], subscription });
            expect((await start(account)).body).toMatchObject({ allowed: false, reason: 'subscription_required', limitSeconds: 1200 });
        }
    });

    it('refuses when the usage cannot be read, instead of counting it as zero (upstream weak spot 31)', async () => {
        for (const reply of [{ status: 500 }, { status: 401, json: { detail: 'invalid key' } }, { body: '<html>' }, { json: { conversations: [{ call_duration_secs: 'long' }] } }, 'reset'] as StandInReply[]) {
            const account = await server.account();
            standIn.on('GET', CONVERSATIONS, reply);
            const response = await start(account);
            expect(response.status).toBe(500);
            expect(response.body).toEqual({ error: 'Failed to get voice credentials' });
        }
        expect(received(TOKEN)).toEqual([]);
    });

    it('answers the documented errors when the conversation token cannot be had', async () => {
        const tokenReplies: Array<[StandInReply, string]> = [
            [{ status: 422, json: { detail: 'agent not found' } }, 'Failed to get voice credentials'],
            [{ status: 503 }, 'Failed to get voice credentials'],
            [{ json: { nothing: true } }, 'Failed to get voice credentials'],
            [{ json: { token: 'not-a-jwt' } }, 'Failed to get voice credentials'],
            [{ json: { token: livekitToken(undefined) } }, 'Failed to get conversation ID'],
            [{ json: { token: livekitToken('room_without_id') } }, 'Failed to get conversation ID'],
        ];
        for (const [reply, error] of tokenReplies) {
            const { account } = await voiceUser();
            standIn.on('GET', TOKEN, reply);
            const response = await start(account);
            expect(response.status).toBe(500);
            expect(response.body).toEqual({ error });
        }
    });

    it('reports usage and the limit that applies', async () => {
        const { account, elevenUserId } = await voiceUser({ durations: [30, 12] });
        const free = await account.request('GET', '/v1/voice/usage');
        expect(free.status).toBe(200);
        expect(free.body).toEqual({ usedSeconds: 42, limitSeconds: 1200, conversationCount: 2, conversationLimit: 100, elevenUserId });
        expect(Object.keys(free.body)).toEqual(USAGE_KEYS);

        const subscriber = await voiceUser({ durations: [5000], subscription: { json: { items: [{ entitlement_id: 'pro' }] } } });
        expect((await subscriber.account.request('GET', '/v1/voice/usage')).body).toMatchObject({ usedSeconds: 5000, limitSeconds: 18000, conversationCount: 1 });
        expect(subscriber.elevenUserId).not.toBe(elevenUserId);

        const broken = await voiceUser({ subscription: { status: 502 } });
        expect((await broken.account.request('GET', '/v1/voice/usage')).body).toMatchObject({ limitSeconds: 1200 });

        standIn.on('GET', CONVERSATIONS, { status: 500 });
        const failed = await account.request('GET', '/v1/voice/usage');
        expect(failed.status).toBe(500);
        expect(failed.body).toEqual({ error: 'Failed to get voice usage' });
    });

    it('gives up on a third party that never answers', async () => {
        const slowUsage = await voiceUser();
        const slowRevenueCat = await voiceUser({ durations: [10], subscription: 'hang' });
        const slowToken = await voiceUser();
        standIn.on('GET', CONVERSATIONS, (request) =>
            request.query.get('user_id') === slowUsage.elevenUserId ? 'hang' : { json: conversationsOf(request.query.get('user_id') === slowRevenueCat.elevenUserId ? [10] : []) },
        );
        standIn.on('GET', TOKEN, 'hang');
        const [usage, usageWithoutRevenueCat, conversation] = await Promise.all([
            slowUsage.account.request('GET', '/v1/voice/usage'),
            slowRevenueCat.account.request('GET', '/v1/voice/usage'),
            start(slowToken.account),
        ]);
        expect([usage.status, usage.body]).toEqual([500, { error: 'Failed to get voice usage' }]);
        expect([usageWithoutRevenueCat.status, usageWithoutRevenueCat.body]).toEqual([200, expect.objectContaining({ usedSeconds: 10, limitSeconds: 1200 })]);
        expect([conversation.status, conversation.body]).toEqual([500, { error: 'Failed to get voice credentials' }]);
    });

    it('validates the request and needs a bearer token', async () => {
        const { account } = await voiceUser();
        for (const body of [{}, { agentId: '' }, { agentId: 42 }, { agentId: 'a'.repeat(257) }]) {
            const response = await account.request('POST', '/v1/voice/conversations', { body });
            expect(response.status).toBe(400);
        }
        expect((await server.request('POST', '/v1/voice/conversations', { body: { agentId: 'a' } })).status).toBe(401);
        expect((await server.request('GET', '/v1/voice/usage')).status).toBe(401);
        expect(standIn.requests).toEqual([]);
    });

    it('logs no API key or conversation token', async () => {
        const { account } = await voiceUser();
        const granted = await start(account);
        standIn.on('GET', TOKEN, { status: 500 });
        await start(account);
        standIn.on('GET', CONVERSATIONS, 'reset');
        await account.request('GET', '/v1/voice/usage');
        expect(capture.lines.length).toBeGreaterThan(0);
        expect(findSecrets(capture.lines, [ELEVEN_KEY, REVENUECAT_KEY, granted.body.conversationToken])).toEqual([]);
    });
});

describe('voice without ElevenLabs or RevenueCat configured', () => {
    const standIn = useStandIn();
    const bare = useTestServer();
    const elevenOnly = useTestServer({ env: () => ({ ELEVENLABS_API_KEY: ELEVEN_KEY, ELEVENLABS_API_URL: standIn.url, REVENUECAT_API_URL: standIn.url }) });

    it('starts and answers the documented "not configured" errors', async () => {
        const account = await bare.account();
        for (const path of ['/v1/voice/usage', '/v1/voice/conversations']) {
            const response = await account.request(path.endsWith('usage') ? 'GET' : 'POST', path, { body: path.endsWith('usage') ? undefined : { agentId: 'a' } });
            expect(response.status).toBe(500);
            expect(response.body).toEqual({ error: 'ELEVENLABS_API_KEY not configured' });
        }
    });

    it('without RevenueCat, refuses new conversations but reports usage at the free limit', async () => {
        const account = await elevenOnly.account();
        standIn.on('GET', CONVERSATIONS, { json: conversationsOf([60]) });
        const conversation = await account.request('POST', '/v1/voice/conversations', { body: { agentId: 'a' } });
        expect([conversation.status, conversation.body]).toEqual([500, { error: 'REVENUECAT_API_KEY not configured' }]);
        const usage = await account.request('GET', '/v1/voice/usage');
        expect(usage.body).toMatchObject({ usedSeconds: 60, limitSeconds: 1200, conversationCount: 1 });
        expect(standIn.requests.map((r) => r.path)).toEqual([CONVERSATIONS]);
    });
});
