import { z } from 'zod';
import { conversationIdOf } from '../../integrations/elevenLabs.ts';
import { defineAction, fail, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { checkVoiceQuota, notConfigured, type VoiceQuota } from './voiceLimits.ts';

const CREDENTIALS_FAILED = 'Failed to get voice credentials';

const voiceConversationInput = z.object({ agentId: storableString(z.string().min(1).max(256)) });

type VoiceAnswer =
    | { allowed: false; reason: string; usedSeconds: number; limitSeconds: number; agentId: string }
    | {
          allowed: true;
          conversationToken: string;
          conversationId: string;
          agentId: string;
          elevenUserId: string;
          usedSeconds: number;
          limitSeconds: number;
      };

/**
 * POST /v1/voice/conversations (spec rest.md §3.13): checks the caller's quota, then has
 * ElevenLabs mint a conversation token filed under the caller's pseudonym (so the next quota
 * check sees it). Denials are answers (200, `allowed: false`), checked in upstream's order.
 * Unlike upstream, a failed usage lookup refuses instead of counting as no usage (weak spot 31):
 * the quota cannot be bypassed by ElevenLabs being slow.
 */
export const voiceConversationCreate = defineAction<typeof voiceConversationInput, VoiceAnswer>({
    input: voiceConversationInput,
    async run(deps, caller, { agentId }) {
        const { elevenLabs } = deps.voice;
        if (!elevenLabs) return fail('unavailable', notConfigured('ELEVENLABS_API_KEY'));
        if (!deps.voice.revenueCat) return fail('unavailable', notConfigured('REVENUECAT_API_KEY'));
        const elevenUserId = deps.voice.elevenUserId(caller.userId);
        const failed = (error: unknown, what: string) => {
            deps.log.warn({ err: error, userId: caller.userId }, what);
            return fail('unavailable', CREDENTIALS_FAILED);
        };

        let quota: VoiceQuota;
        try {
            quota = await checkVoiceQuota(deps, elevenLabs, caller.userId);
        } catch (error) {
            return failed(error, 'voice usage lookup failed');
        }
        const { usedSeconds, limitSeconds } = quota;
        if (!quota.allowed) return ok<VoiceAnswer>({ allowed: false, reason: quota.reason, usedSeconds, limitSeconds, agentId });

        let conversationToken: string;
        let conversationId: string | undefined;
        try {
            conversationToken = await elevenLabs.conversationToken(agentId, elevenUserId);
            conversationId = conversationIdOf(conversationToken);
        } catch (error) {
            return failed(error, 'voice conversation token failed');
        }
        if (!conversationId) return fail('unavailable', 'Failed to get conversation ID');
        return ok({
            allowed: true,
            conversationToken,
            conversationId,
            agentId,
            elevenUserId,
            usedSeconds,
            limitSeconds,
        });
    },
});
