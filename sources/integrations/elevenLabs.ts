import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Outbound } from './outbound.ts';
import { getJson, ThirdPartyError } from './thirdPartyJson.ts';

/** ElevenLabs conversational AI, the part voice chat uses (spec rest.md §3.13). */
export interface ElevenLabs {
    /** Seconds talked and conversations held by `userId` since `since` (one page of 100, as upstream). */
    usageSince(userId: string, since: Date): Promise<{ usedSeconds: number; conversationCount: number }>;
    /** A conversation token (a LiveKit JWT) for `agentId`, the conversation filed under `userId`. */
    conversationToken(agentId: string, userId: string): Promise<string>;
}

/** Upstream asked for one page of this size; the conversation limit equals it. */
export const CONVERSATIONS_PAGE_SIZE = 100;

const conversationsPage = z.object({
    conversations: z.array(z.object({ call_duration_secs: z.number().nonnegative().optional() })),
});
const tokenBody = z.object({ token: z.string().min(1) });

export function createElevenLabs(config: { url: string; apiKey: string }, outbound: Outbound): ElevenLabs {
    const headers = { 'xi-api-key': config.apiKey };
    const endpoint = (path: string, query: Record<string, string>) => {
        // Parameters are encoded (upstream pasted agentId in raw, weak spot 11 of rest.md §7).
        const url = new URL(`${config.url}/v1/convai/${path}`);
        for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
        return url;
    };
    return {
        async usageSince(userId, since) {
            const query = { user_id: userId, created_after: since.toISOString(), page_size: String(CONVERSATIONS_PAGE_SIZE) };
            const page = await getJson(outbound, 'ElevenLabs', endpoint('conversations', query), headers, conversationsPage);
            const usedSeconds = page.conversations.reduce((sum, c) => sum + (c.call_duration_secs ?? 0), 0);
            return { usedSeconds, conversationCount: page.conversations.length };
        },
        async conversationToken(agentId, userId) {
            const query = { agent_id: agentId, participant_name: userId };
            const { token } = await getJson(outbound, 'ElevenLabs', endpoint('conversation/token', query), headers, tokenBody);
            return token;
        },
    };
}

/**
 * The conversation id inside a conversation token: the LiveKit room of its JWT payload holds
 * `conv_<id>`. Undefined when the payload has no such room; a ThirdPartyError when the token is
 * not a JWT at all.
 */
export function conversationIdOf(token: string): string | undefined {
    let payload: unknown;
    try {
        payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    } catch {
        throw new ThirdPartyError('ElevenLabs', 200, 'conversation token is not a JWT');
    }
    const room = (payload as { video?: { room?: unknown } } | null)?.video?.room;
    return typeof room === 'string' ? room.match(/conv_[A-Za-z0-9]+/)?.[0] : undefined;
}

/**
 * The pseudonym ElevenLabs knows an account by (spec storage.md §4.6): stable for one master
 * secret, so usage survives restarts and matches upstream's, yet it does not reveal the account id.
 */
export function elevenUserIdFor(masterSecret: string): (accountId: string) => string {
    return (accountId) => `u_${createHmac('sha256', masterSecret).update(accountId).digest('base64url')}`;
}
