import type { BlobRead, LocalBlobStore } from './blobStore.ts';
import { isBlobKey, PUBLIC_PREFIX } from './blobKeys.ts';
import { IMAGE_FORMATS } from './images.ts';

/** Raster images by extension; anything else (SVG included) goes out as opaque bytes. */
const PUBLIC_TYPES = new Map<string, string>(
    Object.values(IMAGE_FORMATS)
        .filter(({ extension }) => extension !== 'svg')
        .map(({ extension, mime }) => [extension, mime]),
);

/**
 * What `GET /files/<key>` may serve in local mode (spec rest.md §1.9): keys under `public/`
 * only (avatars). Upstream served every file under the root, session attachments included
 * (storage.md S4); here anything else is simply not found.
 */
export async function openPublicFile(store: LocalBlobStore, key: string): Promise<{ blob: BlobRead; contentType: string } | null> {
    if (!key.startsWith(PUBLIC_PREFIX) || !isBlobKey(key)) return null;
    const blob = await store.get(key);
    if (!blob) return null;
    const extension = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
    return { blob, contentType: PUBLIC_TYPES.get(extension) ?? 'application/octet-stream' };
}
