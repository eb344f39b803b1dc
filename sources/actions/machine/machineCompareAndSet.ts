import type { Deps } from '../../deps.ts';
import type { UpdateBody, Versioned } from '../../events/updates.ts';
import type { Machine } from '../../generated/prisma/client.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx } from '../../storage/inTx.ts';

/**
 * Optimistic concurrency for the two versioned machine fields (spec realtime.md §7.9-§7.10).
 * One conditional UPDATE is the compare-and-set; when it matches nothing, a re-read in the same
 * read-committed transaction tells "missing" from "version moved on" and yields the fresh value
 * (a concurrent writer's commit included), so the client can retry at once.
 */

export type VersionedField = 'metadata' | 'daemonState';

type Current = Pick<Machine, 'metadata' | 'metadataVersion' | 'daemonState' | 'daemonStateVersion'>;

const FIELDS = {
    metadata: {
        matches: (version: number) => ({ metadataVersion: version }),
        write: (value: string, version: number) => ({ metadata: value, metadataVersion: version + 1 }),
        read: (row: Current) => ({ version: row.metadataVersion, value: row.metadata }),
        body: (machineId: string, metadata: Versioned<string>): UpdateBody => ({ t: 'update-machine', machineId, metadata }),
    },
    daemonState: {
        matches: (version: number) => ({ daemonStateVersion: version }),
        // The daemon reports its state when it (re)connects, so a state write is also proof of life.
        write: (value: string, version: number) => ({
            daemonState: value,
            daemonStateVersion: version + 1,
            active: true,
            lastActiveAt: new Date(),
        }),
        read: (row: Current) => ({ version: row.daemonStateVersion, value: row.daemonState }),
        body: (machineId: string, daemonState: Versioned<string>): UpdateBody => ({ t: 'update-machine', machineId, daemonState }),
    },
} as const;

export interface CompareAndSet {
    machineId: string;
    value: string;
    expectedVersion: number;
}

export type CompareAndSetOutcome =
    | { result: 'success'; version: number; value: string }
    | { result: 'version-mismatch'; version: number; value: string | null };

/** Null when the caller has no such machine (another account's machine counts as missing). */
export async function compareAndSetMachine(
    deps: Deps,
    userId: string,
    field: VersionedField,
    { machineId, value, expectedVersion }: CompareAndSet,
): Promise<CompareAndSetOutcome | null> {
    const spec = FIELDS[field];
    return inTx(deps.db.prisma, deps.log, async (scope) => {
        const { tx } = scope;
        const { count } = await tx.machine.updateMany({
            where: { id: machineId, accountId: userId, ...spec.matches(expectedVersion) },
            data: spec.write(value, expectedVersion),
        });
        if (count === 0) {
            const current = await tx.machine.findUnique({
                where: { accountId_id: { accountId: userId, id: machineId } },
                select: { metadata: true, metadataVersion: true, daemonState: true, daemonStateVersion: true },
            });
            return current ? { result: 'version-mismatch' as const, ...spec.read(current) } : null;
        }
        const version = expectedVersion + 1;
        await queueUpdate(scope, deps.events, {
            userId,
            filter: { type: 'machine-scoped-only', machineId },
            body: spec.body(machineId, { value, version }),
        });
        return { result: 'success' as const, version, value };
    }, { isolation: 'ReadCommitted' });
}
