import type { z } from 'zod';
import type { Deps } from '../deps.ts';

/**
 * An action is one verb of the domain: a zod input schema and a transport-agnostic `run`.
 * REST routes and socket events both call actions; neither touches the database itself.
 */

/** `unavailable`: the server cannot do it (a third party failed, a feature is not configured); upstream answers 500 with its own message. */
export type FailureKind =
    | 'bad-request'
    | 'unauthorized'
    | 'not-found'
    | 'conflict'
    | 'too-large'
    | 'too-many-requests'
    | 'unavailable';

/** `body` replaces the usual `{ error }` reply where a route answers a failure with more. */
export type Failure = { ok: false; kind: FailureKind; error: string; body?: unknown };
export type Result<T> = { ok: true; value: T } | Failure;

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (kind: FailureKind, error: string, body?: unknown): Failure =>
    body === undefined ? { ok: false, kind, error } : { ok: false, kind, error, body };

/** Who is calling: present for authenticated transports, absent for the public auth routes. */
export interface Caller {
    userId: string;
}

export interface Action<Input extends z.ZodType, Output, Ctx extends Caller | null = Caller> {
    input: Input;
    run(deps: Deps, caller: Ctx, input: z.output<Input>): Promise<Result<Output>>;
}

export function defineAction<Input extends z.ZodType, Output, Ctx extends Caller | null = Caller>(
    action: Action<Input, Output, Ctx>,
): Action<Input, Output, Ctx> {
    return action;
}
