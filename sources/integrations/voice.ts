import type { VoicePushConfig } from './voicePushConfig.ts';
import { createElevenLabs, elevenUserIdFor, type ElevenLabs } from './elevenLabs.ts';
import type { Outbound } from './outbound.ts';
import { createRevenueCat, type RevenueCat } from './revenueCat.ts';

/** The third parties voice chat needs; each is undefined while its key is not configured. */
export interface Voice {
    elevenLabs: ElevenLabs | undefined;
    revenueCat: RevenueCat | undefined;
    /** The pseudonym of an account at ElevenLabs. */
    elevenUserId(accountId: string): string;
}

export function createVoice(config: VoicePushConfig, masterSecret: string, outbound: Outbound): Voice {
    const { elevenLabs, revenueCat } = config;
    return {
        elevenLabs: elevenLabs.apiKey ? createElevenLabs({ url: elevenLabs.url, apiKey: elevenLabs.apiKey }, outbound) : undefined,
        revenueCat: revenueCat.apiKey ? createRevenueCat({ ...revenueCat, apiKey: revenueCat.apiKey }, outbound) : undefined,
        elevenUserId: elevenUserIdFor(masterSecret),
    };
}
