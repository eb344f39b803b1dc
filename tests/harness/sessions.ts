import { randomBytes } from 'node:crypto';
import { request } from './http.ts';

/** Opaque "ciphertext" the way clients send it: base64 of random bytes. */
export const ciphertext = (size = 48) => randomBytes(size).toString('base64');

export async function createSession(url: string, token: string, tag = `tag-${randomBytes(6).toString('hex')}`) {
    const response = await request(url, 'POST', '/v1/sessions', {
        token,
        body: { tag, metadata: ciphertext(), dataEncryptionKey: ciphertext(32) },
    });
    if (response.status !== 200) throw new Error(`session create failed: ${response.status} ${response.text}`);
    return response.body.session as { id: string; [key: string]: unknown };
}

export async function postMessages(url: string, token: string, sessionId: string, messages: Array<{ localId: string; content: string }>) {
    return request(url, 'POST', `/v3/sessions/${sessionId}/messages`, { token, body: { messages } });
}
