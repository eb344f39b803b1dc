import type { JsonSchema } from './schemaArbitrary.ts';

/** One route as /openapi.json describes it: generated from the zod schemas the route validates with. */
export interface RouteSpec {
    method: string;
    /** OpenAPI template: `/v1/machines/{id}`. */
    path: string;
    params: Parameter[];
    query: Parameter[];
    /** JSON body schema, if the route declares one. */
    body?: JsonSchema;
    authenticated: boolean;
}

export interface Parameter {
    name: string;
    required: boolean;
    schema: JsonSchema;
}

interface Operation {
    parameters?: Array<{ in: string; name: string; required?: boolean; schema?: JsonSchema }>;
    requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
    security?: unknown[];
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

/** Every route of the running app, read from its own API document (the docs' routes are hidden there). */
export function routesOf(document: { paths: Record<string, Record<string, Operation>> }): RouteSpec[] {
    return Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations)
            .filter(([method]) => METHODS.includes(method))
            .map(([method, operation]) => {
                const parameters = (where: string): Parameter[] =>
                    (operation.parameters ?? [])
                        .filter((parameter) => parameter.in === where)
                        .map(({ name, required, schema }) => ({ name, required: required ?? false, schema: schema ?? {} }));
                return {
                    method: method.toUpperCase(),
                    path,
                    params: parameters('path'),
                    query: parameters('query'),
                    body: operation.requestBody?.content?.['application/json']?.schema,
                    authenticated: (operation.security?.length ?? 0) > 0,
                };
            }),
    );
}

/** `GET /v1/machines/{id}`: how a route is named in reports and test titles. */
export const routeName = (route: Pick<RouteSpec, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** The route's path with each parameter replaced by `segment(name)` (already encoded). */
export function fillPath(route: RouteSpec, segment: (name: string) => string): string {
    return route.path.replace(/\{([^}]+)\}/g, (_, name: string) => segment(name));
}
