import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { CompactSign, jwtVerify, type JWTPayload } from 'jose';
import { deriveSecureKey } from './deriveKey.ts';

/**
 * The token format of upstream's privacy-kit (spec storage.md §4.2-§4.3), byte for byte:
 * header exactly {"alg":"EdDSA"}, claims in the order sub, extras, iat, nbf[, exp], iss, jti,
 * signed with an Ed25519 key whose seed is the first 32 bytes of deriveSecureKey(secret, usage).
 */

export interface SigningKey {
    issuer: string;
    privateKey: KeyObject;
    publicKey: KeyObject;
}

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export async function deriveSigningKey(secret: string, issuer: string, usage: string): Promise<SigningKey> {
    const seed = (await deriveSecureKey(secret, usage)).subarray(0, 32);
    const privateKey = createPrivateKey({
        key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
        format: 'der',
        type: 'pkcs8',
    });
    return { issuer, privateKey, publicKey: createPublicKey(privateKey) };
}

export function rawPublicKey(key: SigningKey): Buffer {
    const jwk = key.publicKey.export({ format: 'jwk' });
    return Buffer.from(jwk.x ?? '', 'base64url');
}

export interface TokenClaims {
    sub: string;
    extras?: Record<string, unknown>;
    /** Seconds since the epoch; defaults to now. */
    iat?: number;
    /** Lifetime in seconds; persistent tokens have none. */
    ttlSeconds?: number;
    jti?: string;
}

export async function signToken(key: SigningKey, claims: TokenClaims): Promise<string> {
    const iat = claims.iat ?? Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = { sub: claims.sub, ...claims.extras, iat, nbf: iat };
    if (claims.ttlSeconds !== undefined) payload.exp = iat + claims.ttlSeconds;
    payload.iss = key.issuer;
    payload.jti = claims.jti ?? randomUUID();
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'EdDSA' })
        .sign(key.privateKey);
}

const REGISTERED_CLAIMS = new Set(['iss', 'sub', 'aud', 'jti', 'nbf', 'exp', 'iat']);

export interface VerifiedToken {
    userId: string;
    extras: Record<string, unknown>;
    /** `iat`, seconds since the epoch (0 if a token lacks it): revocations cut tokens off by it. */
    issuedAt: number;
}

/** Null for anything that is not a valid token of this key and issuer; never throws. */
export async function verifyToken(key: SigningKey, token: string): Promise<VerifiedToken | null> {
    let payload: JWTPayload;
    try {
        ({ payload } = await jwtVerify(token, key.publicKey, { issuer: key.issuer, algorithms: ['EdDSA'] }));
    } catch {
        return null;
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return null;
    const extras = Object.fromEntries(Object.entries(payload).filter(([name]) => !REGISTERED_CLAIMS.has(name)));
    return { userId: payload.sub, extras, issuedAt: typeof payload.iat === 'number' ? payload.iat : 0 };
}
