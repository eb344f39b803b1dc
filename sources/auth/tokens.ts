import { LRUCache } from 'lru-cache';
import { deriveSigningKey, signToken, verifyToken, type SigningKey, type VerifiedToken } from './jwt.ts';

export interface TokenService {
    /** A new persistent bearer token for the account (new jti every call, no expiry: upstream format). */
    issue(userId: string, extras?: Record<string, unknown>): Promise<string>;
    verify(token: string): Promise<VerifiedToken | null>;
}

/**
 * Persistent bearer tokens, compatible with upstream tokens for the same master secret.
 * Verified tokens are cached (bounded by count and age) because every REST call and socket
 * handshake verifies one; the cache only ever holds tokens whose signature checked out.
 */
export async function createTokenService(masterSecret: string): Promise<TokenService> {
    const key = await deriveSigningKey(masterSecret, 'handy', 'handy Persistent Token');
    return tokenServiceFor(key);
}

export function tokenServiceFor(key: SigningKey): TokenService {
    const verified = new LRUCache<string, VerifiedToken>({ max: 10_000, ttl: 24 * 60 * 60 * 1000 });
    return {
        async issue(userId, extras) {
            const iat = Math.floor(Date.now() / 1000);
            const token = await signToken(key, { sub: userId, extras, iat });
            verified.set(token, { userId, extras: extras ?? {}, issuedAt: iat });
            return token;
        },
        async verify(token) {
            const cached = verified.get(token);
            if (cached) return cached;
            const result = await verifyToken(key, token);
            if (result) verified.set(token, result);
            return result;
        },
    };
}
