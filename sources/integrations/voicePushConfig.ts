import { z } from 'zod';

/**
 * Voice (ElevenLabs, RevenueCat), push (Expo) and the client log sink (spec rest.md §3.4,
 * §3.13, §3.15; storage.md §5.1). Everything is optional: without a key the routes answer with
 * upstream's "not configured" errors. The base URLs exist so that a proxy, or a test's local
 * stand-in, can play the third party.
 */
export interface VoicePushConfig {
    elevenLabs: { url: string; apiKey: string | undefined };
    /** `projectId` was hard-coded upstream (weak spot 31 of rest.md §7); its value is the default. */
    revenueCat: { url: string; apiKey: string | undefined; projectId: string };
    expo: { url: string };
    /** Set: POST /logs-combined-from-cli-and-mobile-for-simple-ai-debugging exists. */
    clientLogSink: boolean;
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const secret = z.preprocess(emptyAsUndefined, z.string().optional());

/** An http(s) base URL, without its trailing slash so that API paths can be appended. */
export const serviceUrl = (fallback: string) =>
    z.preprocess(
        emptyAsUndefined,
        z
            .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
            .default(fallback)
            .transform((url) => url.replace(/\/+$/, '')),
    );

/** Merged into config.ts's environment schema. */
export const voicePushEnvShape = {
    ELEVENLABS_API_KEY: secret,
    ELEVENLABS_API_URL: serviceUrl('https://api.elevenlabs.io'),
    REVENUECAT_API_KEY: secret,
    REVENUECAT_API_URL: serviceUrl('https://api.revenuecat.com'),
    REVENUECAT_PROJECT_ID: z.preprocess(
        emptyAsUndefined,
        z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a RevenueCat project id (proj...)').default('proj493735ad'),
    ),
    EXPO_PUSH_URL: serviceUrl('https://exp.host'),
    // Any non-empty value turns it on, as upstream.
    DANGEROUSLY_LOG_TO_SERVER_FOR_AI_AUTO_DEBUGGING: secret,
};

const voicePushEnv = z.object(voicePushEnvShape);
type VoicePushEnv = z.output<typeof voicePushEnv>;

export function voicePushConfig(e: VoicePushEnv): VoicePushConfig {
    return {
        elevenLabs: { url: e.ELEVENLABS_API_URL, apiKey: e.ELEVENLABS_API_KEY },
        revenueCat: { url: e.REVENUECAT_API_URL, apiKey: e.REVENUECAT_API_KEY, projectId: e.REVENUECAT_PROJECT_ID },
        expo: { url: e.EXPO_PUSH_URL },
        clientLogSink: e.DANGEROUSLY_LOG_TO_SERVER_FOR_AI_AUTO_DEBUGGING !== undefined,
    };
}
