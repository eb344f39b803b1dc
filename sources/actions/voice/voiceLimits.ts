import type { Deps } from '../../deps.ts';
import { CONVERSATIONS_PAGE_SIZE, type ElevenLabs } from '../../integrations/elevenLabs.ts';

/**
 * Voice quotas per rolling 30 days (spec rest.md §3.13), counted from ElevenLabs' own records of
 * the account's conversations: no local table to keep in step.
 */
export const VOICE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
/** Free seconds before a subscription is needed. */
export const VOICE_FREE_SECONDS = 1_200;
/** Seconds no one gets past, subscribed or not. */
export const VOICE_HARD_SECONDS = 18_000;
/** Conversations per window: the one page of them that is looked at. */
export const VOICE_MAX_CONVERSATIONS = CONVERSATIONS_PAGE_SIZE;

export const notConfigured = (variable: string) => `${variable} not configured`;

/** Whether RevenueCat says the account pays; any failure (or no RevenueCat at all) means no. */
export async function isSubscribed(deps: Pick<Deps, 'voice' | 'log'>, accountId: string): Promise<boolean> {
    if (!deps.voice.revenueCat) return false;
    try {
        return await deps.voice.revenueCat.isSubscribed(accountId);
    } catch (error) {
        deps.log.warn({ err: error, userId: accountId }, 'subscription lookup failed; counted as not subscribed');
        return false;
    }
}

export type VoiceQuota =
    | { allowed: true; usedSeconds: number; limitSeconds: number }
    | { allowed: false; reason: string; usedSeconds: number; limitSeconds: number };

/**
 * Whether the account may start a conversation now, and against which limit, checked in
 * upstream's order. Throws when ElevenLabs cannot tell the usage: callers refuse then, since a
 * made-up zero would let anyone past the quota while ElevenLabs is slow.
 */
export async function checkVoiceQuota(deps: Pick<Deps, 'voice' | 'log'>, elevenLabs: ElevenLabs, accountId: string): Promise<VoiceQuota> {
    const usage = await elevenLabs.usageSince(deps.voice.elevenUserId(accountId), new Date(Date.now() - VOICE_WINDOW_MS));
    const { usedSeconds } = usage;
    const deny = (reason: string, limitSeconds: number): VoiceQuota => ({ allowed: false, reason, usedSeconds, limitSeconds });
    if (usage.conversationCount >= VOICE_MAX_CONVERSATIONS) return deny('voice_conversation_limit_reached', VOICE_HARD_SECONDS);
    if (usedSeconds >= VOICE_HARD_SECONDS) return deny('voice_hard_limit_reached', VOICE_HARD_SECONDS);
    const pastFree = usedSeconds >= VOICE_FREE_SECONDS;
    if (pastFree && !(await isSubscribed(deps, accountId))) return deny('subscription_required', VOICE_FREE_SECONDS);
    return { allowed: true, usedSeconds, limitSeconds: pastFree ? VOICE_HARD_SECONDS : VOICE_FREE_SECONDS };
}
