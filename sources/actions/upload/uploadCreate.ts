import { z } from 'zod';
import { uploadKey } from '../../files/blobKeys.ts';
import { checkContent, isUploadType, UPLOAD_TYPES } from '../../files/contentTypes.ts';
import { newId } from '../../storage/ids.ts';
import { defineAction, fail, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { storeThenRecord } from './storeFile.ts';
import { CATEGORIES, fileView, findReusable, insertFile, type Category } from './uploadedFiles.ts';
import { incomingFile, MiB } from './uploadSchemas.ts';

/** Workers' limits (spec workers.md §2.4), reachable here: uploads are streamed, not buffered. */
export const CATEGORY_LIMITS: Record<Category, number> = { avatars: 5 * MiB, documents: 50 * MiB, files: 100 * MiB };
export const UPLOAD_MAX_BYTES = CATEGORY_LIMITS.files;

/** The limit of a category a client named, before it is validated. */
export const categoryLimit = (category: string | undefined) =>
    category !== undefined && Object.hasOwn(CATEGORY_LIMITS, category) ? CATEGORY_LIMITS[category as Category] : UPLOAD_MAX_BYTES;

type UploadErrorCode = 'missing-file' | 'invalid-type' | 'size-exceeded';

const failure = (code: UploadErrorCode, error: string) => fail('bad-request', error, { success: false, error, code });

export const sizeExceeded = (category: Category) =>
    failure('size-exceeded', `File exceeds maximum ${CATEGORY_LIMITS[category] / MiB}MB for ${category}`);

/**
 * POST /v1/uploads (spec workers.md §2.4): a multipart `file` with `category` and `reuseKey`.
 * Unlike the Workers server, the stored content type is the checked real one, the size is
 * real, the 50/100 MB limits are reachable, reuse is per account and race-free, and a refused
 * or failed upload leaves no row and no blob.
 */
export const uploadCreate = defineAction({
    input: z.object({
        category: z.enum(CATEGORIES).default('files'),
        reuseKey: storableString(z.string().min(1).max(256)).optional(),
        file: incomingFile.optional(),
    }),
    async run(deps, caller, { category, reuseKey, file }) {
        if (!file) return failure('missing-file', 'No file provided');
        const type = file.type.toLowerCase();
        if (!isUploadType(type)) {
            return failure('invalid-type', `Unsupported file type: ${file.type}. Supported: ${Object.keys(UPLOAD_TYPES).join(', ')}`);
        }
        const spooled = file.spooled;
        if (spooled === 'too-large' || spooled.size > CATEGORY_LIMITS[category]) return sizeExceeded(category);
        if (spooled.size === 0) return failure('missing-file', 'File is empty');

        const reused = async () => (reuseKey ? findReusable(deps.db.prisma, caller.userId, reuseKey) : null);
        const existing = await reused();
        if (existing) return ok({ success: true as const, file: fileView(existing) });

        const checked = await checkContent(spooled.path, type);
        if (!checked.ok) return failure('invalid-type', `File content is not ${type}`);
        const id = newId();
        const path = uploadKey(category, caller.userId, `${id}${UPLOAD_TYPES[type]}`);
        const stored = await storeThenRecord(deps, path, spooled, type, ({ tx }) =>
            insertFile(tx, {
                id,
                accountId: caller.userId,
                path,
                category,
                contentType: type,
                size: spooled.size,
                originalName: file.name,
                reuseKey: reuseKey ?? null,
                image: checked.image,
            }),
        );
        // Null: a concurrent upload with the same reuse key won; both callers get its file.
        const saved = stored ?? (await reused());
        if (!saved) throw new Error('reuse key conflict without a file holding the key');
        return ok({ success: true as const, file: fileView(saved) });
    },
});
