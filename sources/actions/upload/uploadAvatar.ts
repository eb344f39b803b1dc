import { z } from 'zod';
import { avatarKey } from '../../files/blobKeys.ts';
import { imageView } from '../../files/imageRef.ts';
import { IMAGE_FORMATS, inspectImage } from '../../files/images.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { newId } from '../../storage/ids.ts';
import { defineAction, fail, ok } from '../action.ts';
import { storeThenRecord } from './storeFile.ts';
import { insertFile } from './uploadedFiles.ts';
import { incomingFile, MiB } from './uploadSchemas.ts';

export const AVATAR_MAX_BYTES = 5 * MiB;
/** Raster formats only: an SVG served publicly from the bucket or this origin could run script. */
const AVATAR_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

export const avatarTooLarge = () => fail('bad-request', `Avatar exceeds maximum ${AVATAR_MAX_BYTES / MiB}MB`);

/**
 * POST /v1/uploads/avatar (spec workers.md §2.4) through upstream's avatar pipeline (storage.md
 * §3.5): the original bytes under `public/users/<id>/avatars/`, the original's size and a
 * thumbhash in `UploadedFile`. Unlike the Workers server it also becomes the account's avatar:
 * `Account.avatar` and `update-account` change in one transaction, and the previous avatar's
 * row goes with it, its blob after commit (unless another account's avatar still names it).
 */
export const uploadAvatar = defineAction({
    input: z.object({ file: incomingFile.optional() }),
    async run(deps, caller, { file }) {
        const userId = caller.userId;
        if (!file) return fail('bad-request', 'No file provided');
        const type = file.type.toLowerCase();
        if (!AVATAR_TYPES.includes(type)) return fail('bad-request', `Unsupported image type: ${file.type}. Supported: ${AVATAR_TYPES.join(', ')}`);
        const spooled = file.spooled;
        if (spooled === 'too-large' || spooled.size > AVATAR_MAX_BYTES) return avatarTooLarge();
        if (spooled.size === 0) return fail('bad-request', 'File is empty');
        const image = await inspectImage(spooled.path);
        if (!image || IMAGE_FORMATS[image.format].mime !== type) return fail('bad-request', `File content is not ${type}`);

        const id = newId();
        const path = avatarKey(userId, 'avatar', IMAGE_FORMATS[image.format].extension);
        const ref = { path, width: image.width, height: image.height, thumbhash: image.thumbhash };
        const saved = await storeThenRecord(deps, path, spooled, type, async (scope) => {
            const { tx } = scope;
            const [account] = await tx.$queryRaw<Array<{ avatar: unknown }>>`
                SELECT "avatar" FROM "Account" WHERE "id" = ${userId} FOR UPDATE`;
            if (!account) return null;
            const record = await insertFile(tx, {
                id,
                accountId: userId,
                path,
                category: 'avatars',
                contentType: type,
                size: spooled.size,
                originalName: file.name,
                reuseKey: null,
                image,
            });
            await tx.account.update({ where: { id: userId }, data: { avatar: ref } });
            const previous = imageView(deps.config, account.avatar)?.path;
            if (previous) {
                const { count } = await tx.uploadedFile.deleteMany({ where: { accountId: userId, path: previous } });
                const [shared] = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Account" WHERE "avatar"->>'path' = ${previous} LIMIT 1`;
                if (count > 0 && !shared) scope.afterCommit(() => deps.files.delete(previous));
            }
            await queueUpdate(scope, deps.events, {
                userId,
                filter: { type: 'user-scoped-only' },
                body: { t: 'update-account', id: userId, avatar: imageView(deps.config, ref) },
            });
            return record;
        });
        if (!saved) return fail('not-found', 'Account not found');
        return ok({
            success: true as const,
            avatar: { id, path, contentType: type, size: spooled.size, width: image.width, height: image.height, thumbhash: image.thumbhash },
        });
    },
});
