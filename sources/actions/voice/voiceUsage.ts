import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { isSubscribed, notConfigured, VOICE_FREE_SECONDS, VOICE_HARD_SECONDS, VOICE_MAX_CONVERSATIONS, VOICE_WINDOW_MS } from './voiceLimits.ts';

/**
 * GET /v1/voice/usage (spec rest.md §3.13): what the caller has talked in the last 30 days and
 * their limit. Without RevenueCat, or when it fails, the caller counts as not subscribed; when
 * ElevenLabs fails the answer is an error, never a made-up zero.
 */
export const voiceUsage = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const { elevenLabs } = deps.voice;
        if (!elevenLabs) return fail('unavailable', notConfigured('ELEVENLABS_API_KEY'));
        const elevenUserId = deps.voice.elevenUserId(caller.userId);
        const since = new Date(Date.now() - VOICE_WINDOW_MS);
        const [usage, subscribed] = await Promise.all([
            elevenLabs.usageSince(elevenUserId, since).catch((error: unknown) => {
                deps.log.warn({ err: error, userId: caller.userId }, 'voice usage lookup failed');
                return undefined;
            }),
            isSubscribed(deps, caller.userId),
        ]);
        if (!usage) return fail('unavailable', 'Failed to get voice usage');
        return ok({
            usedSeconds: usage.usedSeconds,
            limitSeconds: subscribed ? VOICE_HARD_SECONDS : VOICE_FREE_SECONDS,
            conversationCount: usage.conversationCount,
            conversationLimit: VOICE_MAX_CONVERSATIONS,
            elevenUserId,
        });
    },
});
