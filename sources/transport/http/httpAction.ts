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
    'too-large': 413,
    'too-many-requests': 429,
    unavailable: 500,
};

type InputSource = 'body' | 'querystring' | 'params';

/** For routes whose requests carry no body: a bad client cannot park megabytes on them. */
export const NO_BODY_LIMIT = 16 * 1024;

interface RouteBase<Input extends z.ZodType, Output> {
    method: HTTPMethods;
    url: string;
    /**
     * Where the action's input comes from. Either one request part validated with the action's
     * own schema, or several parts, each with its own schema (so a 400 names the part); their
     * outputs are merged into the action's input (params win over body and query).
     */
    from: InputSource | Partial<Record<InputSource, z.ZodType>>;
    bodyLimit?: number;
    action: Action<Input, Output, Caller> | Action<Input, Output, null>;
    /** Shapes the action's value into this route's response, where REST and socket answers differ. */
    present?: (value: Output) => unknown;
}

interface PublicRoute<Input extends z.ZodType, Output> extends RouteBase<Input, Output> {
    action: Action<Input, Output, null>;
    authenticate?: undefined;
}

interface ProtectedRoute<Input extends z.ZodType, Output> extends RouteBase<Input, Output> {
    action: Action<Input, Output, Caller>;
    authenticate: Authenticate;
}

/** Binds an action to a route: validate, authenticate, run, map the result to a reply. */
export function httpAction<Input extends z.ZodType, Output>(
    app: FastifyInstance,
    deps: Deps,
    route: PublicRoute<Input, Output> | ProtectedRoute<Input, Output>,
): void {
    const parts = typeof route.from === 'string' ? { [route.from]: route.action.input } : route.from;
    app.route({
        method: route.method,
        url: route.url,
        bodyLimit: route.bodyLimit,
        schema: parts as FastifySchema,
        preHandler: route.authenticate,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
            const input = readInput(request, Object.keys(parts) as InputSource[]) as z.output<Input>;
            const result = route.authenticate
                ? await (route.action as Action<Input, Output, Caller>).run(deps, { userId: request.userId }, input)
                : await (route.action as Action<Input, Output, null>).run(deps, null, input);
            if (result.ok) return reply.send(route.present ? route.present(result.value) : result.value);
            return reply.code(FAILURE_STATUS[result.kind]).send(result.body ?? { error: result.error });
        },
    });
}

function readInput(request: FastifyRequest, sources: InputSource[]): unknown {
    const part = (source: InputSource) => (source === 'querystring' ? request.query : request[source]);
    if (sources.length === 1) return part(sources[0]!);
    const order: InputSource[] = ['body', 'querystring', 'params'];
    return Object.assign({}, ...order.filter((s) => sources.includes(s)).map(part));
}
