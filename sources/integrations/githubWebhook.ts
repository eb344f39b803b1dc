import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * GitHub's `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body under the
 * webhook secret. Compared in constant time; a header of any other shape is simply wrong.
 */
export function isGithubSignatureValid(secret: string, payload: Buffer, header: string): boolean {
    const match = SIGNATURE.exec(header.trim());
    if (!match) return false;
    const expected = createHmac('sha256', secret).update(payload).digest();
    return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}
