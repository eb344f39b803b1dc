import { z } from 'zod';
import { storableString } from '../schemas.ts';

/**
 * An Expo push token (`ExponentPushToken[…]`, about 40 characters), opaque to the server. The
 * bound leaves room for other providers' device tokens; note that DELETE carries the token in
 * the path, where the router matches at most 100 characters (spec rest.md §1.2), as upstream.
 */
export const pushToken = storableString(z.string().min(1).max(512));
