import type { VerifiedState } from '../../auth/oauthState.ts';
import type { Prisma } from '../../storage/db.ts';

/**
 * Marks an OAuth state as used; false when it was used before. Upstream accepted a state any
 * number of times within its 5 minutes (rest.md §2.5). The mark is a row of upstream's unused
 * `RepeatKey` table (as for login challenges), shared by every node; it expires with the state.
 */
export async function consumeOAuthState(prisma: Prisma, state: VerifiedState): Promise<boolean> {
    const inserted = await prisma.$executeRaw`
        INSERT INTO "RepeatKey" ("key", "value", "expiresAt")
        VALUES (${`github-oauth-state:${state.jti}`}, ${state.userId}, ${state.expiresAt})
        ON CONFLICT ("key") DO NOTHING`;
    return inserted === 1;
}
