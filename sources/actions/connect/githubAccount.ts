import type { Deps } from '../../deps.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import type { TxScope } from '../../storage/inTx.ts';

/** Upstream's KeyTree path of a GitHub OAuth token: the Happy account that connected (storage.md §4.5). */
export const githubTokenPath = (accountId: string) => ['user', accountId, 'github', 'token'];

/**
 * Upstream's separateName: the GitHub `name` trimmed and split on whitespace, the first word the
 * first name, the others (single-spaced) the last name; null for what is not there.
 */
export function separateName(name: string | null | undefined): { firstName: string | null; lastName: string | null } {
    const [first, ...rest] = (name ?? '').trim().split(/\s+/).filter(Boolean);
    return { firstName: first ?? null, lastName: rest.length > 0 ? rest.join(' ') : null };
}

/**
 * Takes the GitHub link (and with it the GitHub login as username) off an account and tells its
 * user-scoped clients, in the caller's transaction. Name and avatar stay, as upstream.
 */
export async function clearGithubLink(scope: TxScope, deps: Pick<Deps, 'events'>, accountId: string): Promise<void> {
    await scope.tx.account.update({ where: { id: accountId }, data: { githubUserId: null, username: null } });
    await queueUpdate(scope, deps.events, {
        userId: accountId,
        filter: { type: 'user-scoped-only' },
        body: { t: 'update-account', id: accountId, github: null, username: null },
    });
}
