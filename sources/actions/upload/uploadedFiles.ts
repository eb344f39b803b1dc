import { Prisma as Sql } from '../../generated/prisma/client.ts';
import type { ImageInfo } from '../../files/images.ts';
import type { Prisma } from '../../storage/db.ts';
import type { Tx } from '../../storage/inTx.ts';

/**
 * Stored files: upstream's `UploadedFile` row (path, image size, thumbhash, reuse key) joined
 * with this server's `UploadedFileMeta` (category, content type, size, original name). Files
 * without metadata (GitHub avatars an upstream server stored) are not listed.
 */

export const CATEGORIES = ['avatars', 'documents', 'files'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface FileRecord {
    id: string;
    path: string;
    originalName: string;
    contentType: string;
    size: number;
    width: number | null;
    height: number | null;
    thumbhash: string | null;
    createdAt: Date;
    updatedAt: Date;
}

/** The Workers `UploadedFile` shape: image fields only when present, times in ms. */
export function fileView(file: FileRecord) {
    return {
        id: file.id,
        path: file.path,
        originalName: file.originalName,
        contentType: file.contentType,
        size: file.size,
        ...(file.width !== null && { width: file.width }),
        ...(file.height !== null && { height: file.height }),
        ...(file.thumbhash !== null && { thumbhash: file.thumbhash }),
        createdAt: file.createdAt.getTime(),
        updatedAt: file.updatedAt.getTime(),
    };
}

const SELECT_FILES = Sql.sql`
    SELECT f."id", f."path", m."originalName", m."contentType", m."size", f."width", f."height", f."thumbhash",
           f."createdAt", f."updatedAt"
    FROM "UploadedFile" f JOIN "UploadedFileMeta" m ON m."fileId" = f."id"`;

type Client = Prisma | Tx;

/** The caller's file; another account's id finds nothing. */
export async function findFile(client: Client, accountId: string, id: string): Promise<FileRecord | null> {
    const [file] = await client.$queryRaw<FileRecord[]>`${SELECT_FILES} WHERE f."accountId" = ${accountId} AND f."id" = ${id}`;
    return file ?? null;
}

export async function findReusable(client: Client, accountId: string, reuseKey: string): Promise<FileRecord | null> {
    const [file] = await client.$queryRaw<FileRecord[]>`
        ${SELECT_FILES} WHERE m."accountId" = ${accountId} AND m."reuseKey" = ${reuseKey}`;
    return file ?? null;
}

/** Newest first; `after` is the last file of the previous page. */
export async function listFiles(
    client: Client,
    accountId: string,
    { category, limit, after }: { category?: Category; limit: number; after?: { createdAt: Date; id: string } },
): Promise<FileRecord[]> {
    return client.$queryRaw<FileRecord[]>`
        ${SELECT_FILES}
        WHERE f."accountId" = ${accountId}
          ${category ? Sql.sql`AND m."category" = ${category}` : Sql.empty}
          ${after ? Sql.sql`AND (f."createdAt", f."id") < (${after.createdAt}, ${after.id})` : Sql.empty}
        ORDER BY f."createdAt" DESC, f."id" DESC
        LIMIT ${limit}`;
}

export interface NewFile {
    id: string;
    accountId: string;
    path: string;
    category: Category;
    contentType: string;
    size: number;
    originalName: string;
    reuseKey: string | null;
    image: ImageInfo | undefined;
}

/**
 * Records a stored blob. Null when another file of the account took `reuseKey` first (its
 * insert committed meanwhile); nothing is left behind then but the caller's blob.
 */
export async function insertFile(tx: Tx, file: NewFile): Promise<FileRecord | null> {
    const row = await tx.uploadedFile.create({
        data: {
            id: file.id,
            accountId: file.accountId,
            path: file.path,
            width: file.image?.width ?? null,
            height: file.image?.height ?? null,
            thumbhash: file.image?.thumbhash ?? null,
            reuseKey: file.reuseKey,
        },
    });
    const inserted = await tx.$executeRaw`
        INSERT INTO "UploadedFileMeta" ("fileId", "accountId", "category", "contentType", "size", "originalName", "reuseKey")
        VALUES (${file.id}, ${file.accountId}, ${file.category}, ${file.contentType}, ${file.size}, ${file.originalName}, ${file.reuseKey})
        ON CONFLICT ("accountId", "reuseKey") DO NOTHING`;
    if (inserted === 0) {
        await tx.uploadedFile.delete({ where: { id: file.id } });
        return null;
    }
    return { ...row, originalName: file.originalName, contentType: file.contentType, size: file.size };
}
