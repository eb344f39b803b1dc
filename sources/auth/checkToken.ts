import { isDatabaseUnavailable } from '../storage/unavailable.ts';
import type { VerifiedToken } from './jwt.ts';
import type { TokenService } from './tokens.ts';

/**
 * A socket handshake's token check: the verified token, null for a bad one, 'unavailable' when
 * the check could not be made. It reads the account's revocation cutoff, and in a database
 * outage a good token must not be called invalid (a client told so would log out). Any other
 * failure counts as a bad token, as it always has for sockets.
 */
export async function checkToken(tokens: TokenService, token: string): Promise<VerifiedToken | null | 'unavailable'> {
    try {
        return await tokens.verify(token);
    } catch (error) {
        return isDatabaseUnavailable(error) ? 'unavailable' : null;
    }
}
