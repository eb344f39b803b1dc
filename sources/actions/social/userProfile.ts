import type { Config } from '../../config.ts';
import type { ImageView } from '../../events/updates.ts';
import { imageView } from '../../files/imageRef.ts';
import type { Prisma, RelationshipStatus } from '../../generated/prisma/client.ts';
import type { Tx } from '../../storage/inTx.ts';

/** What any account may see of another (spec rest.md §3.10), with the caller's relationship to it. */
export interface UserProfile {
    id: string;
    firstName: string;
    lastName: string | null;
    avatar: ImageView | null;
    username: string;
    bio: string | null;
    status: RelationshipStatus;
}

/** Only the columns a profile is made of: settings, keys and counters are never even read. */
export const PROFILE_SELECT = {
    id: true,
    firstName: true,
    lastName: true,
    username: true,
    avatar: true,
    githubUser: { select: { profile: true } },
} satisfies Prisma.AccountSelect;

type ProfileAccount = Prisma.AccountGetPayload<{ select: typeof PROFILE_SELECT }>;

export function userProfile(config: Pick<Config, 'publicUrl' | 'files'>, account: ProfileAccount, status: RelationshipStatus): UserProfile {
    const github = githubFields(account.githubUser?.profile);
    return {
        id: account.id,
        firstName: account.firstName || '',
        lastName: account.lastName,
        avatar: profileAvatar(imageView(config, account.avatar)),
        username: account.username || github.login || '',
        bio: github.bio || null,
        status,
    };
}

/**
 * Profiles of `ids` as `callerId` sees them, in the order of `ids` (missing accounts are left
 * out). The caller's relationship rows come in one query for all of them.
 */
export async function loadProfiles(client: Tx, config: Pick<Config, 'publicUrl' | 'files'>, callerId: string, ids: string[]): Promise<UserProfile[]> {
    if (ids.length === 0) return [];
    const rows = await client.account.findMany({
        where: { id: { in: ids } },
        select: { ...PROFILE_SELECT, RelationshipsTo: { where: { fromUserId: callerId }, select: { status: true } } },
    });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
        const row = byId.get(id);
        return row ? [userProfile(config, row, row.RelationshipsTo[0]?.status ?? 'none')] : [];
    });
}

/** Upstream's response schema put `url` right after `path`. */
function profileAvatar(image: ImageView | null): ImageView | null {
    if (!image) return null;
    const { path, url, ...size } = image;
    return { path, url, ...size };
}

/** The cached GitHub `/user` object is whatever GitHub sent: read only fields of the right type. */
function githubFields(profile: unknown): { login?: string; bio?: string } {
    if (typeof profile !== 'object' || profile === null) return {};
    const { login, bio } = profile as Record<string, unknown>;
    return {
        ...(typeof login === 'string' && { login }),
        ...(typeof bio === 'string' && { bio }),
    };
}
