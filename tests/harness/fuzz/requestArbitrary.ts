import fc from 'fast-check';
import { hostileNumericText, hostilePathSegments, hostileText } from './hostile.ts';
import { boundaryInputs } from './boundaries.ts';
import { fillPath, type RouteSpec } from './routes.ts';
import { arbitraryOf, edgesOf, type IdSource, type JsonSchema } from './schemaArbitrary.ts';

/** One HTTP request as the fuzzer sends it: the path already encoded, the body already bytes. */
export interface FuzzRequest {
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string;
}

/** Bodies that are not JSON, or not what their content type says. */
const MALFORMED_JSON = [
    '{', '[', '{"a":', '{"a":1,}', "{'a':1}", 'nul', 'NaN', '"text"', '123', 'true', '\uFEFF{}', '{"a":1}{"b":2}',
    '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"a":"\\ud800"}', '{"a":"\\u0000"}',
    '['.repeat(100_000), '{"a":1e999999}', '\u0000',
];
const CONTENT_TYPES = [
    'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=x',
    'application/octet-stream', 'application/json; charset=utf-16', 'application/json, text/plain', 'a/b/c', 'application/xml',
];

/**
 * Half wild (anything may be wrong, ids from everywhere), half focused: the caller's own ids and
 * a valid query but for one parameter at or past a bound, and a body whose fields are broken one
 * by one, so that broken values get past the ownership checks to the queries behind them.
 */
export function requestArbitrary(route: RouteSpec, token: string, ids: IdSource, own: IdSource): fc.Arbitrary<FuzzRequest> {
    const focused = fc.tuple(wellFormedRequest(route, token, own, 'hostile'), oneParameterOf(route)).map(([request, query]) =>
        query === '' ? request : { ...request, path: `${request.path.split('?')[0]}?${query}` },
    );
    return fc.oneof(wildRequest(route, token, ids), focused);
}

/**
 * Every query parameter, and every body field at any depth (boundaries.ts), at and past each of
 * its bounds, once, in an otherwise valid request of the caller's own: run before the random
 * cases, so no seed can miss a column bound.
 */
export function boundaryRequests(route: RouteSpec, token: string, own: IdSource): { query: FuzzRequest[]; body: FuzzRequest[] } {
    const [base] = fc.sample(wellFormedRequest(route, token, own), { numRuns: 1, seed: 0 });
    const path = base!.path.split('?')[0];
    const query = route.query.flatMap((p) => edgesOf(p.schema).map((edge) => ({ ...base!, path: `${path}?${percentEncode(p.name)}=${percentEncode(textOf(edge))}` })));
    if (!route.body || route.method === 'GET') return { query, body: [] };
    const body = boundaryInputs(route.body, own).map(({ input }) => ({ ...base!, body: JSON.stringify(input) ?? 'null' }));
    return { query, body };
}

function oneParameterOf(route: RouteSpec): fc.Arbitrary<string> {
    if (route.query.length === 0) return fc.constant('');
    return fc.constantFrom(...route.query).chain((p) => {
        const edges = edgesOf(p.schema).map(textOf);
        return fc
            .oneof(...(edges.length ? [{ weight: 3, arbitrary: fc.constantFrom(...edges) }] : []), { weight: 1, arbitrary: fc.constantFrom(...hostileNumericText, ...hostileText) })
            .map((value) => `${percentEncode(p.name)}=${percentEncode(value)}`);
    });
}

function wildRequest(route: RouteSpec, token: string, ids: IdSource): fc.Arbitrary<FuzzRequest> {
    return fc
        .record({
            segments: fc.record(Object.fromEntries(route.params.map((p) => [p.name, segmentOf(p.name, p.schema, ids)]))),
            query: queryOf(route, ids),
            auth: authOf(token),
            body: bodyOf(route.body, ids),
        })
        .map(({ segments, query, auth, body }) => ({
            method: route.method,
            path: fillPath(route, (name) => segments[name] as string) + query,
            headers: { ...auth, ...(body.contentType !== undefined && { 'content-type': body.contentType }) },
            ...(body.text !== undefined && route.method !== 'GET' && { body: body.text }),
        }));
}

/**
 * A request its route should accept (but for a hostile body if asked) with the ids always
 * `ids(name)` where that has one: another account's in the authorization matrix, the caller's own
 * in the focused fuzz.
 */
export function wellFormedRequest(route: RouteSpec, token: string, ids: IdSource, bodyMode: 'valid' | 'hostile' = 'valid'): fc.Arbitrary<FuzzRequest> {
    const options = { mode: 'valid', ids, pinIds: true } as const;
    const value = (name: string, schema: JsonSchema) => arbitraryOf(schema, options, name).map((v) => percentEncode(textOf(v)));
    return fc
        .record({
            segments: fc.record(Object.fromEntries(route.params.map((p) => [p.name, value(p.name, p.schema)]))),
            query: fc.tuple(...route.query.filter((p) => p.required || ids(p.name)).map((p) => value(p.name, p.schema).map((v) => `${p.name}=${v}`))),
            body: arbitraryOf(route.body ?? { type: 'object' }, { ...options, mode: bodyMode }).map((v) => JSON.stringify(v) ?? 'null'),
        })
        .map(({ segments, query, body }) => ({
            method: route.method,
            path: fillPath(route, (name) => segments[name] as string) + (query.length ? `?${query.join('&')}` : ''),
            headers: { authorization: `Bearer ${token}`, ...(route.method !== 'GET' && { 'content-type': 'application/json' }) },
            ...(route.method !== 'GET' && { body }),
        }));
}

/** A path segment: from the schema (ids included) and encoded, or a raw hostile one. */
function segmentOf(name: string, schema: JsonSchema, ids: IdSource): fc.Arbitrary<string> {
    const fromSchema = arbitraryOf(schema, { mode: 'hostile', ids }, name).map((value) => percentEncode(textOf(value)));
    const raw = fc.constantFrom(...hostilePathSegments);
    if (name === '*') return fc.oneof(raw, fc.constantFrom('../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', 'a/../../b', 'public/x', '%2e%2e/%2e%2e/x'));
    return fc.oneof({ weight: 3, arbitrary: fromSchema }, { weight: 1, arbitrary: raw });
}

/** Declared parameters (each maybe absent, repeated or hostile) and an undeclared one now and then. */
function queryOf(route: RouteSpec, ids: IdSource): fc.Arbitrary<string> {
    const pairs = route.query.map((p) => {
        const edges = edgesOf(p.schema).map(textOf);
        const value = fc.oneof(
            { weight: 3, arbitrary: arbitraryOf(p.schema, { mode: 'valid', ids }, p.name).map(textOf) },
            ...(edges.length ? [{ weight: 2, arbitrary: fc.constantFrom(...edges) }] : []),
            { weight: 1, arbitrary: fc.constantFrom(...hostileNumericText) },
            { weight: 1, arbitrary: fc.constantFrom(...hostileText) },
        );
        return fc.option(fc.array(value, { minLength: 1, maxLength: 2 }).map((values) => values.map((v) => [p.name, v] as const)), { freq: 3 });
    });
    const extra = fc.option(fc.constant([['unexpected', '1'] as const, ['__proto__', 'x'] as const]), { freq: 6 });
    return fc.tuple(...pairs, extra).map((lists) => {
        const flat = lists.flatMap((list) => list ?? []);
        return flat.length ? `?${flat.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')}` : '';
    });
}

function authOf(token: string): fc.Arbitrary<Record<string, string>> {
    return fc.oneof(
        { weight: 8, arbitrary: fc.constant({ authorization: `Bearer ${token}` }) },
        { weight: 1, arbitrary: fc.constant({}) },
        {
            weight: 1,
            arbitrary: fc
                .constantFrom('Bearer', 'Bearer ', 'Bearer x', `Bearer ${token}x`, `Basic ${token}`, `Bearer ${'a'.repeat(10_000)}`, `Bearer ${token.split('.').slice(0, 2).join('.')}.`)
                .map((authorization) => ({ authorization })),
        },
    );
}

function bodyOf(schema: JsonSchema | undefined, ids: IdSource): fc.Arbitrary<{ text?: string; contentType?: string }> {
    const json = arbitraryOf(schema ?? {}, { mode: 'hostile', ids }).map((value) => JSON.stringify(value) ?? 'null');
    return fc.oneof(
        { weight: 6, arbitrary: json.map((text) => ({ text, contentType: 'application/json' })) },
        { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text) => ({ text, contentType: 'application/json' })) },
        { weight: 1, arbitrary: fc.tuple(json, fc.constantFrom(...CONTENT_TYPES)).map(([text, contentType]) => ({ text, contentType })) },
        { weight: 1, arbitrary: fc.constantFrom({}, { contentType: 'application/json' }, { text: '', contentType: 'application/json' }) },
    );
}

/** How a value travels in a URL: strings as they are, anything else as its JSON text. */
function textOf(value: unknown): string {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses with a URIError) is sent
 * as the three bytes a careless encoder would produce: the server must cope with those too.
 */
export function percentEncode(text: string): string {
    let encoded = '';
    let last = 0;
    for (const match of text.matchAll(LONE_SURROGATE)) {
        const unit = match[0].charCodeAt(0);
        const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
        encoded += encodeURIComponent(text.slice(last, match.index)) + bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        last = match.index + 1;
    }
    return encoded + encodeURIComponent(text.slice(last));
}
