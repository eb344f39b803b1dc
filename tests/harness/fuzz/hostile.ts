import fc from 'fast-check';

/**
 * Values that broke or could break a server like this one. Each list is a boundary or a trap:
 * int4 and JavaScript number limits, text Postgres cannot store, base64 that is wrong or
 * non-canonical, path segments that try to leave their route. The schema generators mix them
 * in at every level of an input (schemaArbitrary.ts).
 */

const INT4 = 2 ** 31;

export const hostileNumbers: number[] = [
    0, -0, 1, -1, 0.5, -0.5, 1.5,
    INT4 - 2, INT4 - 1, INT4, -INT4, -INT4 - 1, 2 ** 32, 1e10, -1e10,
    Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER,
    8.64e15, 8.64e15 + 1, 1e16, 1e300, -1e300, Number.MIN_VALUE, Number.EPSILON,
];

/** Numbers as a query string or a path carries them, including what `Number()` reads oddly. */
export const hostileNumericText: string[] = [
    ...hostileNumbers.map(String),
    '2147483648', '4294967296', '1e10', '1e309', '-1e309', 'NaN', 'Infinity', '-Infinity',
    '0x10', '0b1', '0o7', '1_000', ' 1', '1 ', '', '+1', '00012', '1.0', '1.', '.5', '1e-7', '9'.repeat(400),
];

export const hostileBase64: string[] = [
    '', '=', '==', '===', 'a', 'ab', 'abc=', 'ab=c', 'YQ', 'YQ=', 'YQ==', 'YR==', 'YWI', 'YWJ=', 'QQ===',
    'Y Q==', 'YQ==\n', '\nYQ==', '-_-_', 'YQ%3D%3D', '////', '++++', 'AAAA====', 'A'.repeat(4097),
];

export const hostileText: string[] = [
    '', ' ', '\u0000', 'a\u0000b', '\uD800', 'x\uDC00', '\uDBFF\uDFFF', '\uFFFE', '\u202E', '😀', '𝄞',
    '../../etc/passwd', '..', '.', '/', '\\', '%2e%2e%2f', 'null', 'undefined', 'true', '[]', '{}',
    '__proto__', 'constructor', 'prototype', "'; DROP TABLE \"Session\"; --", '<script>', '${x}', '\r\n\r\n',
    ...hostileBase64,
];

/** Path segments, sent as written: Fastify decodes them before routing and validation. */
export const hostilePathSegments: string[] = [
    '..', '.', '%2e%2e', '%2E%2E%2F', 'a%2Fb', '%2F', '%5C', '%00', 'a%00b', '%ZZ', '%', '%C0%AF', '%ED%A0%80',
    '%EF%BF%BF', '%F0%9F%98%80', '%20', '%3F', '%23', '%2e', 'x'.repeat(100), 'x'.repeat(101), 'x'.repeat(5000),
    '2147483648', '-1', '1e10', 'null', '__proto__', '%7B%7D',
];

/** Any JSON value, small but of every type, for places where the type itself is wrong. */
const wrongTypes = fc.oneof(
    fc.constantFrom<unknown>(null, true, false, [], {}, [[]], { a: {} }, [null], { length: 1 }),
    fc.integer(),
    fc.string({ maxLength: 8 }),
);

/**
 * Large inputs, kept within what a CI run can afford: past every column and field limit we have
 * (the largest is 8 MiB of message text) only a few times, under it mostly.
 */
const huge = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(1_001, 4_097, 65_537, 262_145).map((n) => 'A'.repeat(n)) },
    { weight: 1, arbitrary: fc.constant('A'.repeat(1_000_001)) },
    { weight: 2, arbitrary: fc.constantFrom(101, 1_001, 20_000).map((n) => Array.from({ length: n }, () => 'a')) },
    { weight: 1, arbitrary: fc.constant(nested(2_000)) },
);

function nested(depth: number): unknown {
    let value: unknown = [];
    for (let i = 0; i < depth; i++) value = [value];
    return value;
}

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...hostileNumbers) },
    { weight: 3, arbitrary: fc.constantFrom(...hostileText) },
    { weight: 2, arbitrary: wrongTypes },
    { weight: 1, arbitrary: huge },
);
