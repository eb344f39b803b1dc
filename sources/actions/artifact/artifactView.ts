import type { ArtifactView, UpdateBody } from '../../events/updates.ts';
import type { Artifact } from '../../generated/prisma/client.ts';

/** Stored bytes go out as padded standard base64, like upstream's encoder. */
export const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The artifact of `GET /v1/artifacts/:id` and of the create reply, in spec rest.md §3.6 key order. */
export function artifactView(row: Artifact): ArtifactView {
    return {
        id: row.id,
        header: toBase64(row.header),
        headerVersion: row.headerVersion,
        body: toBase64(row.body),
        bodyVersion: row.bodyVersion,
        dataEncryptionKey: toBase64(row.dataEncryptionKey),
        seq: row.seq,
        createdAt: row.createdAt.getTime(),
        updatedAt: row.updatedAt.getTime(),
    };
}

/** Socket acks carry no data key (spec realtime.md §7.12-§7.13), the REST replies do. */
export function socketArtifact(view: ArtifactView): Omit<ArtifactView, 'dataEncryptionKey'> {
    const { dataEncryptionKey: _key, ...rest } = view;
    return rest;
}

export function newArtifactBody(view: ArtifactView): UpdateBody {
    return {
        t: 'new-artifact',
        artifactId: view.id,
        seq: view.seq,
        header: view.header,
        headerVersion: view.headerVersion,
        body: view.body,
        bodyVersion: view.bodyVersion,
        dataEncryptionKey: view.dataEncryptionKey,
        createdAt: view.createdAt,
        updatedAt: view.updatedAt,
    };
}
