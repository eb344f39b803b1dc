import { createId } from '@paralleldrive/cuid2';

/**
 * Ids for rows this server inserts with raw SQL. Prisma inserts get cuid() ids; clients treat
 * every id as an opaque string, so both kinds may live side by side.
 */
export const newId = (): string => createId();
