import { z } from 'zod';
import { conversationIdOf } from '../../integrations/elevenLabs.ts';
import { defineAction, fail, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import {
    isSubscribed,
    notConfigured,
    VOICE_FREE_SECONDS,
    VOICE_HARD_SECONDS,
    VOICE_MAX_CONVERSATIONS,
    VOICE_WINDOW_MS,
} from './voiceLimits.ts';

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

        let usage: { usedSeconds: number; conversationCount: number };
        try {
            usage = await elevenLabs.usageSince(elevenUserId, new Date(Date.now() - VOICE_WINDOW_MS));
        } catch (error) {
            return failed(error, 'voice usage lookup failed');
        }
        const { usedSeconds } = usage;
        const deny = (reason: string, limitSeconds: number) => ok<VoiceAnswer>({ allowed: false, reason, usedSeconds, limitSeconds, agentId });
        if (usage.conversationCount >= VOICE_MAX_CONVERSATIONS) return deny('voice_conversation_limit_reached', VOICE_HARD_SECONDS);
        if (usedSeconds >= VOICE_HARD_SECONDS) return deny('voice_hard_limit_reached', VOICE_HARD_SECONDS);
        const pastFree = usedSeconds >= VOICE_FREE_SECONDS;
        if (pastFree && !(await isSubscribed(deps, caller.userId))) return deny('subscription_required', VOICE_FREE_SECONDS);

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
            limitSeconds: pastFree ? VOICE_HARD_SECONDS : VOICE_FREE_SECONDS,
        });
    },
});
