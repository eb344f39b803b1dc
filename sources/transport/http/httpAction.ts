import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { z } from 'zod';
import type { Action, Caller, FailureKind } from '../../actions/action.ts';
import type { Deps } from '../../deps.ts';
import type { Authenticate } from './plugins/authenticate.ts';

export const FAILURE_STATUS: Record<FailureKind, number> = {
    'bad-request': 400,
    unauthorized: 401,
    'not-found': 404,
    conflict: 409,
    'too-many-requests': 429,
};

type InputSource = 'body' | 'querystring' | 'params';

interface RouteBase<Input extends z.ZodType> {
    method: HTTPMethods;
    url: string;
    /** Where the action's input comes from; it is validated there, so 400s name the part. */
    from: InputSource;
    bodyLimit?: number;
    action: Action<Input, unknown, Caller> | Action<Input, unknown, null>;
}

interface PublicRoute<Input extends z.ZodType> extends RouteBase<Input> {
    action: Action<Input, unknown, null>;
    authenticate?: undefined;
}

interface ProtectedRoute<Input extends z.ZodType> extends RouteBase<Input> {
    action: Action<Input, unknown, Caller>;
    authenticate: Authenticate;
}

/** Binds an action to a route: validate, authenticate, run, map the result to a reply. */
export function httpAction<Input extends z.ZodType>(
    app: FastifyInstance,
    deps: Deps,
    route: PublicRoute<Input> | ProtectedRoute<Input>,
): void {
    app.route({
        method: route.method,
        url: route.url,
        bodyLimit: route.bodyLimit,
        schema: { [route.from]: route.action.input } as FastifySchema,
        preHandler: route.authenticate,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
            const input = readInput(request, route.from) as z.output<Input>;
            const result = route.authenticate
                ? await (route.action as Action<Input, unknown, Caller>).run(deps, { userId: request.userId }, input)
                : await (route.action as Action<Input, unknown, null>).run(deps, null, input);
            if (result.ok) return reply.send(result.value);
            return reply.code(FAILURE_STATUS[result.kind]).send({ error: result.error });
        },
    });
}

function readInput(request: FastifyRequest, from: InputSource): unknown {
    return from === 'querystring' ? request.query : request[from];
}
