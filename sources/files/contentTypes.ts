import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { IMAGE_FORMATS, inspectImage, type ImageFormat, type ImageInfo } from './images.ts';

/** The MIME types `/v1/uploads` accepts (spec workers.md §2.4), with the extension of their key. */
export const UPLOAD_TYPES = {
    'image/jpeg': '.jpg',
    'image/png': '.png',
    'image/gif': '.gif',
    'image/webp': '.webp',
    'image/svg+xml': '.svg',
    'application/pdf': '.pdf',
    'text/plain': '.txt',
    'application/json': '.json',
    'text/markdown': '.md',
} as const;

export type UploadType = keyof typeof UPLOAD_TYPES;

export const isUploadType = (type: string): type is UploadType => Object.hasOwn(UPLOAD_TYPES, type);

const IMAGE_BY_MIME = new Map(Object.entries(IMAGE_FORMATS).map(([format, { mime }]) => [mime as string, format as ImageFormat]));

/**
 * Whether a spooled file really is of the type the client claimed, so that the stored content
 * type is true: images must decode as that format (and then carry their size and thumbhash),
 * a PDF must start like one, text must be UTF-8 without NUL bytes. False for a disguised file.
 */
export async function checkContent(path: string, type: UploadType): Promise<{ ok: true; image?: ImageInfo } | { ok: false }> {
    const format = IMAGE_BY_MIME.get(type);
    if (format) {
        const image = await inspectImage(path);
        return image?.format === format ? { ok: true, image } : { ok: false };
    }
    if (type === 'application/pdf') return { ok: await startsLikePdf(path) };
    return { ok: await isUtf8Text(path) };
}

/** Readers accept a header within the first kilobyte. */
async function startsLikePdf(path: string): Promise<boolean> {
    const handle = await open(path, 'r');
    try {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
        return buffer.subarray(0, bytesRead).includes('%PDF-');
    } finally {
        await handle.close();
    }
}

async function isUtf8Text(path: string): Promise<boolean> {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    try {
        for await (const chunk of createReadStream(path)) {
            if ((chunk as Buffer).includes(0)) return false;
            decoder.decode(chunk as Buffer, { stream: true });
        }
        decoder.decode();
        return true;
    } catch {
        return false;
    }
}
