// The configuration's one schema: key names, types, defaults, limits and descriptions. The config
// types (types.ts), the checks (check-value.ts, run by validate.ts) and the reference page
// (docs/configuration.md, written by scripts/config-docs.ts) are all derived from it.
// Scheduler parameters are declared beside each scheduler (src/schedulers/params.ts).
import { Kind, Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

/** A RegExp value (headers and query matches): not JSON, checked with instanceof. */
export const RegExpValue = Type.Unsafe<RegExp>({ [Kind]: 'RegExpValue', description: 'a RegExp' });

const int = (min: number, def: number | undefined, description: string, max?: number, extra: object = {}) =>
  Type.Optional(Type.Integer({ minimum: min, ...(max === undefined ? {} : { maximum: max }), ...(def === undefined ? {} : { default: def }), description, ...extra }));
const bool = (def: boolean, description: string) => Type.Optional(Type.Boolean({ default: def, description }));
const str = (description: string, extra: object = {}) => Type.Optional(Type.String({ minLength: 1, description, ...extra }));
const oneOf = <const T extends readonly string[]>(values: T, def: T[number] | undefined, description: string) =>
  Type.Optional(Type.Union(values.map((v) => Type.Literal(v)), {
    errorMessage: values.length === 2 ? `must be ${values.map((v) => JSON.stringify(v)).join(' or ')}` : `must be one of ${values.join(', ')}`,
    ...(def === undefined ? {} : { default: def }),
    description,
  }) as TUnion<TLiteral<T[number]>[]>);
const cidrs = (description: string, listMessage?: string) => Type.Optional(Type.Union([
  Type.Boolean(),
  Type.Array(Type.String({ format: 'cidr', errorMessage: 'must be a CIDR like "10.0.0.0/8"' }), listMessage ? { minItems: 1, minItemsMessage: listMessage } : {}),
], { default: false, errorMessage: 'must be true, false or a list of CIDRs', description }));

export const LimitsSchema = Type.Object({
  headersTimeout: int(0, 10_000, 'ms for the whole request header block; a client that has not sent it by then is cut off'),
  requestTimeout: int(0, 300_000, 'ms for the whole request'),
  keepAliveTimeout: int(0, 5_000, 'ms an idle keep-alive connection is kept'),
  maxHeaderSize: int(1024, 16_384, 'bytes of request headers; larger gets 431'),
  maxConnections: int(0, 10_000, 'concurrent client connections'),
  bodyTimeout: int(1, 30_000, 'ms of silence allowed between two reads of a request body; past it 408'),
  maxBodySize: int(0, undefined, 'bytes of request body (default: no limit); larger gets 413 before anything is forwarded'),
  maxHeaderCount: int(1, 100, 'request header fields; more gets 431'),
});

const pem = (what: string) => Type.String({ minLength: 1, errorMessage: `must be the path of a PEM ${what} file`, description: `path of the PEM ${what} file` });
export const CertPairSchema = Type.Object({ cert: pem('certificate (chain)'), key: pem('private key') }, { errorMessage: "must be an object like { cert: 'site.crt', key: 'site.key' }" });

/** TLS termination on an HTTP listener (src/listen/certs.ts reads the files). */
export const TlsSchema = Type.Object({
  cert: Type.Optional(pem('certificate (chain)')),
  key: Type.Optional(pem('private key')),
  certs: Type.Optional(Type.Array(CertPairSchema, { minItems: 1, errorMessage: 'must be a list of { cert, key }', description: 'several certificates, chosen by SNI (exact names and *.wildcards); the first is the default' })),
  minVersion: oneOf(['TLSv1.2', 'TLSv1.3'], 'TLSv1.2', 'lowest TLS version accepted'),
}, { errorMessage: "must be an object like { cert: 'site.crt', key: 'site.key' } or { certs: [{ cert, key }, …] }", description: 'terminate TLS: `{ cert, key }` or `{ certs: [...] }` (PEM file paths, relative ones from the config file\'s directory), re-read on reload' });

export const HstsSchema = Type.Object({
  maxAge: int(0, 31_536_000, 'seconds browsers remember to use HTTPS only'),
  includeSubDomains: bool(false, 'add includeSubDomains'),
}, { errorMessage: 'must be an object like { maxAge: 31536000 }', description: 'send Strict-Transport-Security on answers of a `tls` listener' });

/** node:http2's per-connection limits on an `http2` listener (src/listen/h2.ts; docs/security.md "HTTP/2"). */
export const Http2LimitsSchema = Type.Object({
  maxConcurrentStreams: int(1, 100, 'streams open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS); more are refused with REFUSED_STREAM', 2 ** 31 - 1),
  maxHeaderListSize: int(1024, undefined, "bytes of one request's header list (SETTINGS_MAX_HEADER_LIST_SIZE; default: limits.maxHeaderSize)", 2 ** 31 - 1),
  maxSessionInvalidFrames: int(0, 1000, 'invalid frames a connection may send before it is closed'),
  maxSessionRejectedStreams: int(0, 100, 'streams refused (past maxConcurrentStreams) before the connection is closed'),
  maxOutstandingPings: int(1, 10, "the router's own PINGs left unanswered at once"),
  maxSettings: int(1, 32, 'entries in one SETTINGS frame; more closes the connection'),
}, { default: {}, errorMessage: 'must be an object like { maxConcurrentStreams: 100 }', description: 'HTTP/2 limits per connection (a PING or SETTINGS flood closes the connection by a node:http2 limit that is not a key)' });

/** The keys only HTTP listeners have (not `tcp[].listen`). */
const httpListenKeys = {
  tls: Type.Optional(TlsSchema),
  redirectHttps: int(1, undefined, 'answer every request with 308 to https on this port (a cleartext listener that forwards nothing)', 65535),
  hsts: Type.Optional(HstsSchema),
  engine: Type.Optional(Type.Union([Type.Literal('fast'), Type.Literal('node')], {
    errorMessage: "must be 'fast' or 'node'",
    description: "HTTP/1.1 engine: 'fast' (raw sockets and llhttp, src/engine/) or 'node' (node:http and undici); default 'fast', or the SWITCHYARD_ENGINE environment variable. Over tls the engine serves the HTTP/1.1 connections (h2 ones go to HTTP/2); cleartext h2c and redirectHttps listeners always use node:http",
  })),
  http2: Type.Optional(Type.Boolean({
    errorMessage: 'must be true or false',
    description: 'HTTP/2 beside HTTP/1.1: offered by ALPN on a tls listener (default true there); on a cleartext one, true accepts h2c with prior knowledge (default false)',
  })),
  http2Limits: Type.Optional(Http2LimitsSchema),
};

/** A listener; `tcp[].listen` uses the same keys with port 0 as the default (without the HTTP-only ones). */
export function listenSchema(defPort: number) {
  return Type.Object({
    host: str('address to bind', { default: '0.0.0.0' }),
    port: int(0, defPort, 'port to bind (0: any free port)', 65535),
    limits: Type.Optional(Type.Object(LimitsSchema.properties, { default: {}, description: 'per-listener limits' })),
    trustProxy: cidrs('keep and append X-Forwarded-* when true, or when the peer is inside one of these CIDRs'),
    acceptProxy: cidrs('expect a PROXY protocol v1/v2 header: true (any sender; check warns) or the CIDRs allowed to send one; others are closed',
      'must list at least one CIDR (or be false)'),
    allowUnderscoreHeaders: bool(false, 'forward header names containing "_" (otherwise they are dropped)'),
    mergeSlashes: bool(true, 'merge repeated slashes in the path before matching and forwarding'),
  }, { errorMessage: `must be an object like { host: '0.0.0.0', port: ${defPort} }` });
}
export const ListenSchema = Type.Object({ ...listenSchema(8080).properties, ...httpListenKeys }, optionsOf(listenSchema(8080)));

export const AdminSchema = Type.Object({
  host: str('address to bind; without a token only loopback addresses are allowed', { default: '127.0.0.1' }),
  port: int(0, 9090, 'port to bind', 65535),
  token: Type.Optional(Type.String({ minLength: 8, errorMessage: 'must be a string of at least 8 characters (or undefined for no token)', description: 'bearer token every admin request must carry' })),
  allowedHosts: Type.Optional(Type.Array(Type.String({ format: 'host', errorMessage: 'must be a host name or address without port' }), {
    default: [], errorMessage: 'must be a list of host names like ["admin.example.net"]', description: 'Host header values accepted besides loopback names and addresses',
  })),
}, { errorMessage: 'must be an object like { host, port, token } or false' });

export const AffinitySchema = Type.Object({
  timeout: int(1, 300, 'seconds a persistence template lives after its last use'),
  netmask: int(0, 32, 'client address prefix length for persistence templates', 128),
  maxEntries: int(1, 1_000_000, 'table bound; at the bound the entries unused longest go first'),
  store: str("'memory' or a redis:// URL shared by several instances", { default: 'memory', format: 'store' }),
  cookieSecret: str('key for signing affinity cookies (default: random per process, or shared through the store)'),
  expireQuiescentTemplate: bool(false, 'drop a template whose backend was drained (weight 0) instead of keeping it'),
}, { errorMessage: 'must be an object like { timeout: 300, netmask: 32 }' });

export const HealthSchema = Type.Object({
  type: oneOf(['http', 'tcp'], 'http', 'check kind'),
  path: str('request path of an http check', { default: '/', format: 'abs-path' }),
  expect: Type.Optional(Type.Union([
    Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1 }),
    Type.String({ pattern: '^\\d{3}-\\d{3}$' }),
  ], { default: '200-399', errorMessage: 'must be a list of status codes or a range like "200-399"', description: 'status codes that pass' })),
  interval: int(50, 2000, 'ms between checks'),
  timeout: int(1, undefined, 'ms a check may take (default: the smaller of 1000 and interval)'),
  rise: int(1, 2, 'passes in a row that bring a backend up', 100),
  fall: int(1, 3, 'failures in a row that take a backend down', 100),
  host: str('Host header of an http check (default: the backend address)'),
  initial: oneOf(['up', 'down'], 'up', "state before the first checks; 'down' needs `rise` passes"),
}, { errorMessage: 'must be an object like { path: "/healthz", interval: 2000 }', description: 'active health checks (none by default)' });

export const OutlierSchema = Type.Object({
  consecutiveFailures: int(0, 5, 'consecutive failures (connect errors, 5xx, timeouts) that eject a backend; 0 turns ejection off'),
  baseEjectionTime: int(1, 30_000, "ms of the first ejection; doubles on each repeat up to maxEjectionTime"),
  maxEjectionTime: int(1, 300_000, 'longest ejection, ms'),
}, { default: {}, errorMessage: 'must be an object like { consecutiveFailures: 5, baseEjectionTime: 30000 }', description: 'passive ejection on errors' });

export const BackendSchema = Type.Union([
  Type.String(),
  Type.Object({
    url: Type.String({ errorMessage: 'must be a URL string like "http://127.0.0.1:9101"', description: 'scheme://host:port (http, https; tcp for tcp services)' }),
    weight: int(0, 1, 'relative share of new work; 0 drains', 65535),
    backup: bool(false, 'takes work only while no primary (non-backup) backend of the pool is available'),
  }),
], { errorMessage: 'must be a URL string like "http://127.0.0.1:9101"' });

export const AffinityModeSchema = Type.Union([
  Type.Literal('none'), Type.Literal('connection'), Type.Literal('client'), Type.Literal('cookie'),
  Type.Object({ header: Type.String({ minLength: 1 }) }),
], {
  default: 'none',
  errorMessage: "must be 'none', 'connection', 'client', 'cookie' or { header: '<name>' }",
  description: "'client': template on the client address masked by affinity.netmask; 'cookie': a signed cookie naming the backend",
});

/** `pools.<name>.tls`: how Switchyard connects to the pool's https: backends (proxy, upgrades, checks). */
export const UpstreamTlsSchema = Type.Object({
  ca: str("PEM file of the CA certificates to trust instead of the system store (a relative path is from the config file's directory); read at load and on every reload"),
  servername: str('server name sent (SNI) and checked against the certificate (default: the backend host when it is a name; none for an IP address)', { format: 'host' }),
  rejectUnauthorized: bool(true, 'refuse a backend whose certificate does not verify (false: accept any; check warns)'),
}, { errorMessage: 'must be an object like { ca: "/etc/switchyard/backend-ca.pem" }', description: 'TLS to the https: backends, for requests, upgrades and health checks' });

const globs = (format: string, what: string, description: string) => {
  const one = Type.String({ minLength: 1, format, errorMessage: `must be a ${what} glob string` });
  return Type.Optional(Type.Union([one, Type.Array(one, { minItems: 1 })], { errorMessage: `must be a ${what} glob string`, description }));
};

/** `pools.<name>.shadow`, checked by src/config/pool-watch.ts (its keys depend on the shadow's scheduler). */
export const ShadowSchema = Type.Object({
  scheduler: Type.String({ minLength: 1, errorMessage: 'must name a scheduler', description: "the shadow's scheduler; its parameters sit beside it" }),
  cacheBytes: int(1, 64 * 1024 * 1024, 'bytes of the modelled LRU cache per backend'),
}, { errorMessage: "must be an object like { scheduler: 'lard', cacheBytes: 67108864 }" });

const ShadowValue = Type.Unsafe<Static<typeof ShadowSchema> & Record<string, unknown>>({
  [Kind]: 'ShadowValue',
  description: "a second scheduler that decides beside the live one and only records: `{ scheduler, …its parameters, cacheBytes }` (default cacheBytes 64 MiB)",
});
/** `pools.<name>.sorry`: the answer when neither the pool nor its fallback pools have a backend (src/proxy/sorry.ts). */
export const SorrySchema = Type.Object({
  status: int(200, 503, 'status of the answer', 599),
  body: Type.Optional(Type.String({ description: 'body of the answer (default: the status line\'s text)' })),
  contentType: str('Content-Type of the answer', { default: 'text/plain; charset=utf-8', pattern: '^[^\\r\\n]+$', errorMessage: 'must be a media type like "text/html" on one line' }),
}, { errorMessage: "must be an object like { status: 503, body: 'back soon', contentType: 'text/html' }", description: 'the answer in place of the plain 503 when nothing is available (Retry-After is kept)' });

/** A pool's own keys; its scheduler's parameters sit beside them. */
export const PoolSchema = Type.Object({
  scheduler: Type.Optional(Type.String({ default: 'wlc', description: 'a scheduler name (see the list below); its parameters sit beside it' })),
  backends: Type.Array(BackendSchema, { errorMessage: 'must be a list of backend URLs or { url, weight }', description: 'URL strings or { url, weight, backup }; a backend id is its host:port' }),
  hashKey: str("'path', 'url', 'client-ip', 'header:<name>' or 'cookie:<name>' (default: the scheduler's, 'path' for most)"),
  timeout: int(1, 30_000, "ms to wait for a backend's response headers; past it 504"),
  connectTimeout: int(1, 2_000, 'ms to connect to a backend'),
  retries: int(0, 2, 'retries on another backend (idempotent requests whose body was not sent)', 10),
  learnMime: bool(false, 'remember the MIME type backends answered per path, for `match.mime`'),
  affinity: Type.Optional(AffinityModeSchema),
  health: Type.Optional(HealthSchema),
  outlier: Type.Optional(OutlierSchema),
  maxEjectPercent: int(0, 50, 'never eject more than this percentage of the pool', 100),
  slowStart: int(0, 0, "ms over which a new or recovered backend's weight ramps up (0: off)"),
  sendProxy: oneOf(['v1', 'v2'], undefined, 'PROXY protocol header sent to backends'),
  tls: Type.Optional(UpstreamTlsSchema),
  shadow: Type.Optional(ShadowValue),
  expect: globs('glob', 'MIME type', "MIME globs the pool's answers should match ('image/*'); 2xx answers outside them count as misroutes"),
  // the sh and mh schedulers have a boolean parameter of this name (src/config/failover.ts tells them apart)
  fallback: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Boolean()], {
    errorMessage: 'must name a pool (true or false only as the sh and mh schedulers\' own parameter)',
    description: 'pool that takes the requests while this one has no available backend (chains allowed, cycles not); true/false is the sh and mh schedulers\' parameter',
  })),
  sorry: Type.Optional(SorrySchema),
}, { errorMessage: 'must be an object with `backends`' });


export const MatchSchema = Type.Object({
  path: globs('path-glob', 'path', 'globs against the normalised path'),
  mime: globs('glob', 'MIME type', "globs against the request's MIME type (extension, learned, Accept)"),
  headers: Type.Optional(Type.Record(
    Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" }),
    Type.Union([Type.String(), RegExpValue, Type.Boolean()], { errorMessage: 'must be a string, RegExp, true or false' }),
    { keyMessage: 'is not a valid header name', errorMessage: 'must be an object of header name → string, RegExp, true or false', description: 'name → exact string, RegExp, true (present) or false (absent)' },
  )),
  method: Type.Optional(Type.Union([
    Type.String({ format: 'method' }), Type.Array(Type.String({ format: 'method', errorMessage: 'must be an HTTP method name' })),
  ], { errorMessage: 'must be an HTTP method name', description: 'method names' })),
  host: globs('glob', 'host', 'globs on the Host header without port'),
  query: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), RegExpValue], { errorMessage: 'must be a string or RegExp' }), {
    errorMessage: 'must be an object of parameter name → string or RegExp', description: 'query parameter name → string or RegExp',
  })),
}, { errorMessage: 'must be an object', description: 'every field must hold; a list holds if any element does' });

const headerName = Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" });
const headerEdits = (description: string) => Type.Optional(Type.Object({
  set: Type.Optional(Type.Record(headerName, Type.String({ errorMessage: 'must be a header value string' }), {
    keyMessage: 'is not a valid header name', errorMessage: 'must be an object of header name → value', description: 'headers set (replacing any of that name)' })),
  remove: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { errorMessage: 'must be a list of header names', description: 'header names removed' })),
}, { errorMessage: 'must be an object like { set: { "x-a": "1" }, remove: ["x-b"] }', description }));

/** Route actions (docs/routing.md "Route actions"); checked further in src/config/route-actions.ts. */
export const RouteActionSchemas = {
  redirect: Type.Optional(Type.Object({
    to: Type.String({ minLength: 1, errorMessage: 'must be a URL or path; {scheme}, {host}, {path} and {query} are filled in', description: 'the Location: a URL or path with {scheme}, {host}, {path}, {query}' }),
    status: Type.Optional(Type.Union([Type.Literal(301), Type.Literal(302), Type.Literal(307), Type.Literal(308)], { default: 302, errorMessage: 'must be 301, 302, 307 or 308', description: 'redirect status' })),
  }, { errorMessage: 'must be an object like { to: "https://{host}{path}", status: 301 }', description: 'answer with a redirect instead of a pool (the query string is kept)' })),
  respond: Type.Optional(Type.Object({
    status: int(200, 200, 'status of the answer', 599),
    body: Type.Optional(Type.String({ default: '', description: 'body of the answer' })),
    contentType: str('Content-Type of the answer', { default: 'text/plain; charset=utf-8' }),
    headers: Type.Optional(Type.Record(headerName, Type.String(), { keyMessage: 'is not a valid header name', errorMessage: 'must be an object of header name → value', description: 'further headers of the answer' })),
  }, { errorMessage: 'must be an object like { status: 503, body: "down for maintenance" }', description: 'answer with a fixed response instead of a pool' })),
  rewrite: Type.Optional(Type.Object({
    stripPrefix: str('path prefix removed (at a segment boundary)', { format: 'abs-path' }),
    addPrefix: str('path prefix added', { format: 'abs-path' }),
    replace: Type.Optional(Type.Tuple([RegExpValue, Type.String()], { errorMessage: 'must be [RegExp, replacement string]', description: 'path.replace(RegExp, string), after the prefixes' })),
  }, { errorMessage: 'must be an object like { stripPrefix: "/api" }', description: 'change the forwarded path (routes match the original)' })),
  headers: Type.Optional(Type.Object({
    request: headerEdits('edits of the request sent to the backend (upgrades too)'),
    response: headerEdits("edits of the answer the client gets (the backend's, or the route's own)"),
  }, { errorMessage: 'must be an object like { request: { set: {…}, remove: [...] }, response: {…} }', description: 'header edits on the forwarded request and on the answer' })),
  maxBodySize: int(0, undefined, "bytes of request body on this route (overrides the listener's limits.maxBodySize); larger gets 413"),
};
/** A route's token bucket per key (src/limits/rate.ts). */
export const RateLimitSchema = Type.Object({
  rate: Type.Number({ minimum: 0.001, description: 'requests allowed per `per`, on average (at least 0.001)' }),
  per: oneOf(['second', 'minute'], 'second', 'the unit of `rate`'),
  burst: int(1, undefined, 'requests allowed at once after a quiet spell (default: rate, at least 1)'),
  key: str("'client' (the client address) or 'header:<name>' (that header's value; the client address when absent)", {
    default: 'client', pattern: "^(client|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$", errorMessage: "must be 'client' or 'header:<name>'",
  }),
  shared: bool(false, 'share the buckets with the other instances through affinity.store (a redis:// URL)'),
}, { errorMessage: "must be an object like { rate: 10, per: 'second', burst: 20 }", description: 'a token bucket per key; over it 429 with Retry-After' });

export const RequestIdSchema = Type.Object({
  header: str('the header that carries the ID', { default: 'x-request-id', pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", errorMessage: 'must be a header name' }),
}, { errorMessage: "must be an object like { header: 'x-request-id' } or false" });

export const RouteSchema = Type.Object({
  name: str('unique name (default: route<index>)'),
  match: Type.Optional(MatchSchema),
  pool: Type.Optional(Type.String({ errorMessage: 'must name a pool', description: 'the pool that serves the requests this route takes (or `redirect` / `respond` instead)' })),
  caseInsensitive: bool(false, 'match `match.path` globs without regard to case'),
  ...RouteActionSchemas,
  rateLimit: Type.Optional(RateLimitSchema),
}, { errorMessage: 'must be an object like { match: { path: "/img/**" }, pool: "images" }' });

export const TcpServiceSchema = Type.Object({
  name: Type.Optional(Type.String({ description: 'name (default: tcp<index>)' })),
  listen: Type.Object(listenSchema(0).properties, { errorMessage: "must be an object like { host: '0.0.0.0', port: 0 }", description: 'the listener: the keys of `listen`, port 0 by default' }),
  pool: Type.String({ errorMessage: 'must name a pool', description: 'pool of tcp:// backends' }),
  idleTimeout: int(1, 900_000, 'ms without traffic before an established connection is cut'),
  finTimeout: int(1, 120_000, 'ms a half-closed connection may stay idle'),
}, { errorMessage: 'must be an object like { listen: { port: 5433 }, pool: "pg" }' });

export const LogSchema = Type.Object({
  level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info', 'log level'),
  access: bool(true, 'write an access record per request'),
  format: oneOf(['pretty', 'json', 'combined'], undefined, "access records on stdout: 'pretty' (default on a terminal), 'json' (default otherwise) or 'combined' (NCSA); other messages go to stderr"),
}, { default: {}, errorMessage: 'must be an object like { level: "info", access: true, format: "json" }', description: 'logging' });

export const ConfigSchema = Type.Object({
  listen: Type.Optional(Type.Union([ListenSchema, Type.Array(ListenSchema, { minItems: 1 })], {
    default: { port: 8080 }, errorMessage: `must be an object like { host: '0.0.0.0', port: 8080 }`, description: 'a listener or a list of them',
  })),
  admin: Type.Optional(Type.Union([Type.Literal(false), AdminSchema], {
    default: {}, errorMessage: 'must be an object like { host, port, token } or false', description: 'the admin API and dashboard, or false',
  })),
  affinity: Type.Optional(Type.Object(AffinitySchema.properties, { ...optionsOf(AffinitySchema), default: {}, description: 'the shared affinity core' })),
  learnMime: bool(false, 'infer MIME from backends\' answers for all pools'),
  workers: Type.Optional(Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1, maximum: 256 })], {
    default: 1, errorMessage: "must be 'auto' or an integer from 1 to 256", description: "node:cluster workers: 'auto' (one per core) or a number" })),
  log: Type.Optional(LogSchema),
  pools: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), PoolSchema, {
    keyMessage: 'pool names use letters, digits, "_", "." and "-" only',
    errorMessage: 'must be an object with at least one pool',
    description: 'backend pools by name',
  }),
  routes: Type.Array(RouteSchema, { errorMessage: 'must be a list of { name, match, pool }', description: 'tried in order; the first whose match holds wins' }),
  requestId: Type.Optional(Type.Union([Type.Literal(false), RequestIdSchema], {
    default: {}, errorMessage: "must be an object like { header: 'x-request-id' } or false",
    description: 'keep a valid client request ID or make one; forwarded, echoed on the answer and logged (false: off)',
  })),
  tcp: Type.Optional(Type.Array(TcpServiceSchema, { default: [], errorMessage: 'must be a list of { listen, pool }', description: 'raw TCP services (L4 pass-through)' })),
});

function optionsOf(s: TSchema): { errorMessage?: string } {
  return s.errorMessage === undefined ? {} : { errorMessage: s.errorMessage as string };
}
