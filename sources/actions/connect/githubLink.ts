import type { Deps } from '../../deps.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { imageView } from '../../files/imageRef.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { GithubProfile } from '../../integrations/github.ts';
import { newId } from '../../storage/ids.ts';
import { inTx, type TxScope } from '../../storage/inTx.ts';
import { storeThenRecord } from '../upload/storeFile.ts';
import { insertFile } from '../upload/uploadedFiles.ts';
import { clearGithubLink, githubTokenPath, separateName } from './githubAccount.ts';
import { githubAvatar, type GithubAvatar } from './githubAvatar.ts';

type LinkDeps = Pick<Deps, 'db' | 'log' | 'files' | 'outbound' | 'events' | 'keyTree' | 'config'>;

/**
 * Upstream's githubConnect (spec rest.md §3.12): an account already linked to this GitHub user
 * stays as it is. Otherwise the avatar is fetched first (outside the transaction), then in one
 * transaction the account that held this GitHub user loses it (and hears `update-account`), the
 * GitHub user is stored with its token sealed by the KeyTree, and the caller's account gets the
 * link, the login as username, the name and the avatar, announced with one `update-account`.
 * Upstream unlinked the other account in a transaction of its own, before anything else could fail.
 * Throws on any failure (a username another account holds, say); the callback turns that into
 * `server_error`, and a newly stored avatar blob goes again.
 */
export async function githubLink(deps: LinkDeps, accountId: string, profile: GithubProfile, accessToken: string): Promise<void> {
    const githubId = String(profile.id);
    const account = await deps.db.prisma.account.findUnique({ where: { id: accountId }, select: { githubUserId: true } });
    if (!account) throw new Error('the account of the OAuth state no longer exists');
    if (account.githubUserId === githubId) return;

    const sealed = await deps.keyTree.encrypt(githubTokenPath(accountId), accessToken);
    // Fetched last: once the download is spooled, storeThenRecord is what removes it on failure.
    const avatar = await githubAvatar(deps, accountId, profile.avatar_url);
    const link = (scope: TxScope) => linkInTx(scope, deps, { accountId, githubId, profile, sealed, avatar });
    const linked =
        avatar.kind === 'new'
            ? await storeThenRecord(deps, avatar.ref.path, avatar.file, avatar.contentType, link)
            : await inTx(deps.db.prisma, deps.log, link, { isolation: 'ReadCommitted' });
    if (!linked) throw new Error('the account disappeared, or another link of the same avatar won the race');
}

interface Link {
    accountId: string;
    githubId: string;
    profile: GithubProfile;
    sealed: Buffer<ArrayBuffer>;
    avatar: GithubAvatar;
}

/** True once linked; null (nothing written) when the account is gone or the avatar's reuse key was taken meanwhile. */
async function linkInTx(scope: TxScope, deps: LinkDeps, { accountId, githubId, profile, sealed, avatar }: Link): Promise<true | null> {
    const { tx } = scope;
    const [account] = await tx.$queryRaw<Array<{ githubUserId: string | null }>>`
        SELECT "githubUserId" FROM "Account" WHERE "id" = ${accountId} FOR UPDATE`;
    if (!account) return null;
    if (avatar.kind === 'new') {
        const file = await insertFile(tx, {
            id: newId(),
            accountId,
            path: avatar.ref.path,
            category: 'avatars',
            contentType: avatar.contentType,
            size: avatar.file.size,
            originalName: avatar.ref.path.slice(avatar.ref.path.lastIndexOf('/') + 1),
            reuseKey: avatar.reuseKey,
            image: avatar.image,
        });
        if (!file) return null;
    }
    const holders = await tx.account.findMany({ where: { githubUserId: githubId, id: { not: accountId } }, select: { id: true } });
    for (const holder of holders) await clearGithubLink(scope, deps, holder.id);

    const stored = profile as Prisma.InputJsonObject;
    await tx.githubUser.upsert({ where: { id: githubId }, create: { id: githubId, profile: stored, token: sealed }, update: { profile: stored, token: sealed } });
    const name = separateName(profile.name);
    await tx.account.update({
        where: { id: accountId },
        data: { githubUserId: githubId, username: profile.login, ...name, avatar: { ...avatar.ref } },
    });
    // The GitHub user this account was linked to before: nothing refers to it any more.
    if (account.githubUserId && account.githubUserId !== githubId) await tx.githubUser.delete({ where: { id: account.githubUserId } });
    await queueUpdate(scope, deps.events, {
        userId: accountId,
        filter: { type: 'user-scoped-only' },
        body: { t: 'update-account', id: accountId, github: profile, username: profile.login, ...name, avatar: imageView(deps.config, avatar.ref) },
    });
    return true;
}
