import type { Deps } from '../deps.ts';
import type { UpdateDelivery } from '../events/eventRouter.ts';
import { retryConflicts } from '../storage/inTx.ts';
import { readVersioned, writeVersioned, type VersionedWrite } from '../storage/versionedWrite.ts';

export type CompareAndSetOutcome =
    | { result: 'success'; version: number; value: string | null }
    | { result: 'version-mismatch'; version: number; value: string | null };

/**
 * Optimistic update of a versioned session or machine field (spec realtime.md §7.2-§7.3,
 * §7.9-§7.10): written only if the stored version is the one the client saw, with the update
 * that announces it (`update`, built from the new version) taking its seq in the same statement
 * and going out, in the account's seq order, before the caller acks. A lost race answers with
 * the fresh value, not a stale pre-read. Null when the row is not the caller's.
 */
export async function compareAndSetField(
    deps: Pick<Deps, 'db' | 'events'>,
    write: VersionedWrite,
    update: (version: number) => UpdateDelivery,
): Promise<CompareAndSetOutcome | null> {
    // The seq is known only with the result: the account's later updates wait for it.
    const hold = deps.events.holdUpdates(write.accountId);
    try {
        const written = await retryConflicts(() => writeVersioned(deps.db.sql, write));
        if (written) {
            deps.events.reserveUpdate(write.accountId, written.seq).send(update(written.version));
            return { result: 'success', version: written.version, value: write.value };
        }
    } finally {
        hold.release();
    }
    const current = await readVersioned(deps.db.sql, write.field, write.id, write.accountId);
    return current && { result: 'version-mismatch', ...current };
}
