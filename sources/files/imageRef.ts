import type { Config } from '../config.ts';
import type { ImageView } from '../events/updates.ts';

/**
 * `Account.avatar` holds an ImageRef `{path, width, height, thumbhash}` (spec storage.md §1.5);
 * clients get it with the public URL of its file added. Rows written by other servers may miss
 * fields, so each one is read only when it has the right type.
 */
export function imageView(config: Pick<Config, 'publicUrl' | 'files'>, stored: unknown): ImageView | null {
    if (typeof stored !== 'object' || stored === null) return null;
    const ref = stored as Record<string, unknown>;
    if (typeof ref.path !== 'string') return null;
    return {
        path: ref.path,
        ...(typeof ref.width === 'number' && { width: ref.width }),
        ...(typeof ref.height === 'number' && { height: ref.height }),
        ...(typeof ref.thumbhash === 'string' && { thumbhash: ref.thumbhash }),
        url: publicFileUrl(config, ref.path),
    };
}

/**
 * Where clients download a public file (spec storage.md §3.3): `/files/<path>` on this server,
 * or `${S3_PUBLIC_URL}/<path>` in S3 mode.
 */
export function publicFileUrl(config: Pick<Config, 'publicUrl' | 'files'>, path: string): string {
    return config.files.kind === 's3' ? `${config.files.publicUrl}/${path}` : `${config.publicUrl}/files/${path}`;
}
