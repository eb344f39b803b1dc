import type { MachineView } from '../../events/updates.ts';
import type { Machine } from '../../generated/prisma/client.ts';

/**
 * The Machine object of spec rest.md §3.5, in its key order. `GET` responses carry `seq`
 * (stored, always 0); `POST /v1/machines` answers without it.
 */
export function machineView(row: Machine): MachineView {
    return {
        id: row.id,
        metadata: row.metadata,
        metadataVersion: row.metadataVersion,
        daemonState: row.daemonState,
        daemonStateVersion: row.daemonStateVersion,
        dataEncryptionKey: row.dataEncryptionKey ? Buffer.from(row.dataEncryptionKey).toString('base64') : null,
        seq: row.seq,
        active: row.active,
        activeAt: row.lastActiveAt.getTime(),
        createdAt: row.createdAt.getTime(),
        updatedAt: row.updatedAt.getTime(),
    };
}

export function machineViewWithoutSeq(row: Machine): Omit<MachineView, 'seq'> {
    const { seq: _seq, ...rest } = machineView(row);
    return rest;
}
