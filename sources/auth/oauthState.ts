import { decodeJwt } from 'jose';
import { deriveSigningKey, signToken, verifyToken, type SigningKey } from './jwt.ts';

/**
 * The `state` of the GitHub OAuth round trip (spec storage.md §4.3): upstream's ephemeral token,
 * 5 minutes, issuer `github-happy`, signed with a key derived from HANDY_MASTER_SECRET.
 * Upstream meant to put `purpose: 'github-oauth'` in it and lost the claim on the way; here it is
 * carried and checked, so no other token of this key passes for an OAuth state. That a state is
 * used once is the caller's part (it needs the database): `jti` and `expiresAt` are for that.
 */
export interface OAuthStateTokens {
    issue(userId: string): Promise<string>;
    /** Null for anything but an unexpired state token of this server; never throws. */
    verify(token: string): Promise<VerifiedState | null>;
}

export interface VerifiedState {
    userId: string;
    jti: string;
    expiresAt: Date;
}

export const OAUTH_STATE_TTL_SECONDS = 300;
const PURPOSE = 'github-oauth';

/** Like the KeyTree master, the signing key is derived on first use. */
export function createOAuthStateTokens(masterSecret: string): OAuthStateTokens {
    let key: Promise<SigningKey> | undefined;
    const signingKey = () => (key ??= deriveSigningKey(masterSecret, 'github-happy', 'github-happy Ephemeral Token'));
    return {
        async issue(userId) {
            return signToken(await signingKey(), { sub: userId, extras: { purpose: PURPOSE }, ttlSeconds: OAUTH_STATE_TTL_SECONDS });
        },
        async verify(token) {
            const verified = await verifyToken(await signingKey(), token);
            if (!verified || verified.extras.purpose !== PURPOSE) return null;
            // The signature checked out, so the claims are ours; jose enforced exp on the way.
            const { jti, exp } = decodeJwt(token);
            if (typeof jti !== 'string' || typeof exp !== 'number') return null;
            return { userId: verified.userId, jti, expiresAt: new Date(exp * 1000) };
        },
    };
}
