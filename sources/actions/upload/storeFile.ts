import type { Deps } from '../../deps.ts';
import type { SpooledFile } from '../../files/blobStore.ts';
import { inTx, type TxScope } from '../../storage/inTx.ts';

/**
 * Stores a checked upload, then records it: blob first, so a row never names a missing blob,
 * and the blob goes again if the transaction fails or `record` answers null (a reuse race
 * lost). A failed upload leaves neither row nor blob behind.
 */
export async function storeThenRecord<T>(
    deps: Pick<Deps, 'files' | 'db' | 'log'>,
    key: string,
    file: SpooledFile,
    contentType: string,
    record: (scope: TxScope) => Promise<T | null>,
): Promise<T | null> {
    await deps.files.putFile(key, file, contentType);
    let recorded: T | null = null;
    try {
        recorded = await inTx(deps.db.prisma, deps.log, record, { isolation: 'ReadCommitted' });
    } finally {
        if (recorded === null) await deps.files.delete(key).catch((error) => deps.log.error({ err: error, key }, 'could not remove an unrecorded blob'));
    }
    return recorded;
}
