import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { Deps } from '../../deps.ts';
import { avatarKey } from '../../files/blobKeys.ts';
import type { SpooledFile } from '../../files/blobStore.ts';
import { IMAGE_FORMATS, inspectImage, type ImageInfo } from '../../files/images.ts';
import { GithubError } from '../../integrations/github.ts';
import { AVATAR_MAX_BYTES } from '../upload/uploadAvatar.ts';
import { findReusable } from '../upload/uploadedFiles.ts';

/** `Account.avatar` as stored (spec storage.md §1.5). */
export interface ImageRef {
    path: string;
    width: number;
    height: number;
    thumbhash: string;
}

/** A new avatar still to be stored and recorded (with the link, in one transaction). */
export interface NewAvatar {
    ref: ImageRef;
    file: SpooledFile;
    contentType: string;
    reuseKey: string;
    image: ImageInfo;
}

export type GithubAvatar = { kind: 'reused'; ref: ImageRef } | ({ kind: 'new' } & NewAvatar);

/** Upstream took PNG and JPEG only and failed the whole link on anything else. */
const GITHUB_AVATAR_FORMATS: readonly string[] = ['png', 'jpeg'];

/**
 * The GitHub avatar through upstream's avatar pipeline (spec storage.md §3.5): a picture this
 * account already stored from the same URL is reused, else it is downloaded (with a deadline and
 * a size cap, which upstream had neither of) to the spool and checked with sharp. Unlike
 * upstream, reuse stays within the account (storage.md S8).
 */
export async function githubAvatar(deps: Pick<Deps, 'db' | 'files' | 'outbound'>, accountId: string, url: string): Promise<GithubAvatar> {
    const reuseKey = `image-url:${url}`;
    const reused = await findReusable(deps.db.prisma, accountId, reuseKey);
    if (reused && reused.width !== null && reused.height !== null && reused.thumbhash !== null) {
        return { kind: 'reused', ref: { path: reused.path, width: reused.width, height: reused.height, thumbhash: reused.thumbhash } };
    }
    const response = await deps.outbound.fetch(url);
    if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new GithubError(`avatar download answered HTTP ${response.status}`);
    }
    const file = await deps.files.spool(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), AVATAR_MAX_BYTES);
    if (file === 'too-large') throw new GithubError(`avatar larger than ${AVATAR_MAX_BYTES} bytes`);
    const image = await inspectImage(file.path);
    if (!image || !GITHUB_AVATAR_FORMATS.includes(image.format)) {
        await deps.files.discard(file);
        throw new GithubError('avatar is not a PNG or JPEG image');
    }
    const { mime, extension } = IMAGE_FORMATS[image.format];
    const path = avatarKey(accountId, 'github', extension);
    return { kind: 'new', ref: { path, width: image.width, height: image.height, thumbhash: image.thumbhash }, file, contentType: mime, reuseKey, image };
}
