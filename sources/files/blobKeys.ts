import { randomBytes } from 'node:crypto';

/**
 * Blob keys (spec storage.md §3.2). Every key is built here from parts the server chose or
 * validated; a client never names a path. Segments are plain file names, so a key cannot climb
 * out of its prefix in the local directory nor alias another object in S3.
 */

const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** One path segment: letters, digits, `.`, `_`, `-`; no leading dot, no `..`, at most 200. */
export function isPlainFileName(name: string): boolean {
    return PLAIN_NAME.test(name) && !name.includes('..');
}

export function isBlobKey(key: string): boolean {
    return key.split('/').every(isPlainFileName);
}

function join(...segments: string[]): string {
    const key = segments.join('/');
    if (!isBlobKey(key)) throw new Error(`refusing to build blob key from unsafe parts: ${JSON.stringify(segments)}`);
    return key;
}

/** Everything public lives under this prefix; `/files/*` serves nothing else. */
export const PUBLIC_PREFIX = 'public/';

export const attachmentPrefix = (sessionId: string) => `${join('sessions', sessionId, 'attachments')}/`;
export const attachmentKey = (sessionId: string, file: string) => join('sessions', sessionId, 'attachments', file);

/** Upstream's avatar layout: `public/users/<accountId>/avatars/<prefix>_<24 alnum>.<ext>`. */
export const avatarKey = (accountId: string, prefix: string, extension: string) =>
    join('public', 'users', accountId, 'avatars', `${prefix}_${randomAlnum(24)}.${extension}`);

/** The Workers layout of `/v1/uploads`: `<category>/<accountId>/<id><ext>` (never public). */
export const uploadKey = (category: string, accountId: string, fileName: string) => join(category, accountId, fileName);

/** Upstream's randomKey: random letters and digits (base64 of random bytes without `+/=`). */
function randomAlnum(length: number): string {
    let out = '';
    while (out.length < length) out += randomBytes(48).toString('base64').replace(/[^A-Za-z0-9]/g, '');
    return out.slice(0, length);
}
