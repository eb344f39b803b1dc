import { z } from 'zod';

/** The third parties whose API keys a user can keep on the server (spec rest.md §3.12). */
export const VENDORS = ['openai', 'anthropic', 'gemini'] as const;
export type Vendor = (typeof VENDORS)[number];

export const vendorParams = z.object({ vendor: z.enum(VENDORS) });

/** An API key is a few hundred bytes at most; the limit only keeps junk out of the table. */
export const VENDOR_TOKEN_MAX_CHARS = 16 * 1024;
export const VENDOR_REGISTER_BODY_LIMIT = 64 * 1024;

/** Upstream's KeyTree path of a vendor token (storage.md §4.5): the blob opens only for this account and vendor. */
export const vendorTokenPath = (accountId: string, vendor: string) => ['user', accountId, 'vendors', vendor, 'token'];
