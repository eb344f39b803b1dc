import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { checkVoiceQuota } from './voiceLimits.ts';

type AccessAnswer = { allowed: true } | { allowed: false; reason: string };

/**
 * GET /v1/voice/access (spec workers.md §2.4): whether POST /v1/voice/conversations would grant
 * a conversation now, without minting one, so the app can show or hide voice. The same quota
 * and subscription rules decide. The Workers app sends its RevenueCat public key; this server
 * asks RevenueCat with its own key, so the parameter is accepted and not used. Denials are
 * answers (200): the quota reasons, `voice_not_configured`, or `subscription_check_failed` when
 * ElevenLabs cannot tell the usage.
 */
export const voiceAccess = defineAction({
    input: z.object({ revenueCatPublicKey: z.string().max(512).optional() }),
    async run(deps, caller) {
        const { elevenLabs, revenueCat } = deps.voice;
        if (!elevenLabs || !revenueCat) return ok<AccessAnswer>({ allowed: false, reason: 'voice_not_configured' });
        try {
            const quota = await checkVoiceQuota(deps, elevenLabs, caller.userId);
            return ok<AccessAnswer>(quota.allowed ? { allowed: true } : { allowed: false, reason: quota.reason });
        } catch (error) {
            deps.log.warn({ err: error, userId: caller.userId }, 'voice usage lookup failed');
            return ok<AccessAnswer>({ allowed: false, reason: 'subscription_check_failed' });
        }
    },
});
