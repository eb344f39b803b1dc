import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../sources/config.ts';
import { conversationIdOf, elevenUserIdFor } from '../../sources/integrations/elevenLabs.ts';

describe('voice and push configuration', () => {
    it('is optional, with the third parties as default base URLs', () => {
        expect(loadConfig({}).voicePush).toEqual({
            elevenLabs: { url: 'https://api.elevenlabs.io', apiKey: undefined },
            revenueCat: { url: 'https://api.revenuecat.com', apiKey: undefined, projectId: 'proj493735ad' },
            expo: { url: 'https://exp.host' },
            clientLogSink: false,
        });
    });

    it('takes keys, base URLs (trailing slash dropped, path kept) and the project id', () => {
        const config = loadConfig({
            ELEVENLABS_API_KEY: 'xi',
            ELEVENLABS_API_URL: 'http://127.0.0.1:4000/',
            REVENUECAT_API_KEY: 'rc',
            REVENUECAT_API_URL: 'https://proxy.example/revenuecat//',
            REVENUECAT_PROJECT_ID: 'proj_self',
            EXPO_PUSH_URL: '',
            DANGEROUSLY_LOG_TO_SERVER_FOR_AI_AUTO_DEBUGGING: 'true',
        });
        expect(config.voicePush).toEqual({
            elevenLabs: { url: 'http://127.0.0.1:4000', apiKey: 'xi' },
            revenueCat: { url: 'https://proxy.example/revenuecat', apiKey: 'rc', projectId: 'proj_self' },
            expo: { url: 'https://exp.host' },
            clientLogSink: true,
        });
    });

    it('stops start-up naming a bad variable', () => {
        for (const name of ['ELEVENLABS_API_URL', 'REVENUECAT_API_URL', 'EXPO_PUSH_URL']) {
            expect(() => loadConfig({ [name]: 'exp.host' })).toThrow(ConfigError);
            expect(() => loadConfig({ [name]: 'ftp://exp.host' })).toThrow(new RegExp(name));
        }
        expect(() => loadConfig({ REVENUECAT_PROJECT_ID: 'proj/../x' })).toThrow(/REVENUECAT_PROJECT_ID/);
    });
});

describe('ElevenLabs identifiers', () => {
    it('derives the pseudonym of spec storage.md §4.7 from the master secret', () => {
        const elevenUserId = elevenUserIdFor('your-super-secret-key-for-local-development');
        expect(elevenUserId('cmabc123user')).toBe('u_GUFk-WAvrN-NlU0l1hbkJodmuqM1xRs8T_6NRlk3ukM');
        expect(elevenUserIdFor('another secret')('cmabc123user')).not.toBe(elevenUserId('cmabc123user'));
    });

    it('finds the conversation id in the LiveKit room of a conversation token', () => {
        const token = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
        expect(conversationIdOf(token({ video: { room: 'room_agent_x_conv_AbC123' } }))).toBe('conv_AbC123');
        expect(conversationIdOf(token({ video: { room: 'room_agent_x' } }))).toBeUndefined();
        expect(conversationIdOf(token({ video: { room: 7 } }))).toBeUndefined();
        expect(conversationIdOf(token(null))).toBeUndefined();
        expect(() => conversationIdOf('opaque')).toThrow(/not a JWT/);
    });
});
