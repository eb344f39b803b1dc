import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

/** The image formats the server accepts, by sharp's name, with their MIME type and extension. */
export const IMAGE_FORMATS = {
    jpeg: { mime: 'image/jpeg', extension: 'jpg' },
    png: { mime: 'image/png', extension: 'png' },
    gif: { mime: 'image/gif', extension: 'gif' },
    webp: { mime: 'image/webp', extension: 'webp' },
    svg: { mime: 'image/svg+xml', extension: 'svg' },
} as const;

export type ImageFormat = keyof typeof IMAGE_FORMATS;

export interface ImageInfo {
    format: ImageFormat;
    /** The original's size, not the thumbnail's (spec storage.md §3.5). */
    width: number;
    height: number;
    /** Standard base64 with padding, as upstream stores it. */
    thumbhash: string;
}

/** ThumbHash encodes at most 100×100 pixels; the long side of the thumbnail gets all of it. */
const THUMB_SIDE = 100;

/**
 * Upstream's processImage (spec storage.md §3.5) on a file on disk, so a large image is decoded
 * by libvips without being read into memory. Null when the file is not an image of a known
 * format that decodes in full (a truncated or disguised file).
 */
export async function inspectImage(path: string): Promise<ImageInfo | null> {
    try {
        const { format, width, height } = await sharp(path).metadata();
        if (!(format in IMAGE_FORMATS) || !width || !height) return null;
        const [thumbWidth, thumbHeight] = thumbnailSize(width, height);
        const { data, info } = await sharp(path).resize(thumbWidth, thumbHeight).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        const hash = rgbaToThumbHash(info.width, info.height, data);
        return { format: format as ImageFormat, width, height, thumbhash: Buffer.from(hash).toString('base64') };
    } catch {
        return null;
    }
}

/**
 * Upstream's sizes, except that a side never rounds down to zero pixels: upstream's failed on
 * images more than 200 times wider than high (storage.md R13).
 */
function thumbnailSize(width: number, height: number): [number, number] {
    if (width >= height) return [THUMB_SIDE, Math.max(1, Math.round((height * THUMB_SIDE) / width))];
    return [Math.max(1, Math.round((width * THUMB_SIDE) / height)), THUMB_SIDE];
}
