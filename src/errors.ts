// One table of Switchyard's error codes, data plane and control plane: the HTTP status and the
// short plain-text cause. The data plane answers clients with them (src/proxy/respond.ts); the
// admin API answers `{ error, statusCode, code, path? }` (src/admin/server.ts); the command line
// prints `code: message` (src/cli/main.ts).
export const ERRORS = {
  SY_ERR_NO_ROUTE: { status: 404, text: 'no route matches this request' },
  SY_ERR_BAD_PATH: { status: 400, text: 'bad request: invalid path encoding' },
  SY_ERR_BAD_REQUEST: { status: 400, text: 'bad request' },
  SY_ERR_REQUEST_TIMEOUT: { status: 408, text: 'request timeout' },
  SY_ERR_SHUTTING_DOWN: { status: 503, text: 'router is shutting down' },
  SY_ERR_HEADERS_TOO_LARGE: { status: 431, text: 'request header fields too large' },
  SY_ERR_TOO_MANY_HEADERS: { status: 431, text: 'too many request header fields' },
  SY_ERR_BAD_VERSION: { status: 400, text: 'bad request: unsupported HTTP version' },
  SY_ERR_BAD_HOST: { status: 400, text: 'bad request: missing, duplicated or invalid Host' },
  SY_ERR_NO_BACKEND: { status: 503, text: 'no backend available in pool' },
  SY_ERR_QUEUE_TIMEOUT: { status: 503, text: 'pool admission queue wait timed out' },
  SY_ERR_UPSTREAM_CONNECT: { status: 502, text: 'backend refused or reset the connection' },
  SY_ERR_UPSTREAM_RESET: { status: 502, text: 'backend closed the connection early' },
  SY_ERR_UPSTREAM_TIMEOUT: { status: 504, text: 'backend did not answer in time' },
  SY_ERR_UPSTREAM_BUSY: { status: 503, text: 'no connection to the backend became free within the pool timeout' },
  SY_ERR_BODY_TIMEOUT: { status: 408, text: 'request body timed out' },
  SY_ERR_BODY_TOO_LARGE: { status: 413, text: 'request body too large' },
  SY_ERR_CLIENT_UPLOADS: { status: 429, text: 'this client already holds its share of the backend\'s connections with uploads' },
  SY_ERR_RATE_LIMITED: { status: 429, text: 'too many requests: over the rate limit of this route' },
  SY_ERR_CLIENT_ABORTED: { status: 499, text: 'client closed the connection' },

  // control plane: config, admin API, pool changes, command line
  SY_ERR_CONFIG_INVALID: { status: 422, text: 'config has problems' },
  SY_ERR_CONFIG_FILE: { status: 422, text: 'config file missing or cannot be loaded' },
  SY_ERR_RELOAD_NO_FILE: { status: 409, text: 'not started from a config file; nothing to reload' },
  SY_ERR_POOL_UNKNOWN: { status: 404, text: 'no such pool' },
  SY_ERR_BACKEND_UNKNOWN: { status: 404, text: 'no such backend in the pool' },
  SY_ERR_BACKEND_EXISTS: { status: 409, text: 'the pool already has this backend' },
  SY_ERR_BACKEND_INVALID: { status: 400, text: 'invalid backend URL, weight or state' },
  SY_ERR_ADMIN_BAD_INPUT: { status: 400, text: 'admin API input does not match its schema' },
  SY_ERR_ADMIN_BAD_JSON: { status: 400, text: 'request body is not valid JSON' },
  SY_ERR_ADMIN_BAD_REQUEST: { status: 400, text: 'bad admin API request' },
  SY_ERR_ADMIN_BODY_TOO_LARGE: { status: 413, text: 'admin API request body too large' },
  SY_ERR_ADMIN_CONTENT_TYPE: { status: 415, text: 'mutating admin calls need Content-Type: application/json' },
  SY_ERR_ADMIN_TOKEN: { status: 401, text: 'missing or wrong admin token' },
  SY_ERR_ADMIN_HOST: { status: 400, text: 'missing or malformed Host' },
  SY_ERR_ADMIN_HOST_REFUSED: { status: 403, text: 'Host not allowed for the admin API' },
  SY_ERR_ADMIN_CROSS_SITE: { status: 403, text: 'cross-origin or cross-site admin request refused' },
  SY_ERR_ADMIN_NO_ROUTE: { status: 404, text: 'no such admin route' },
  SY_ERR_ADMIN_BIND: { status: 500, text: 'admin refuses a non-loopback address without a token' },
  SY_ERR_ADMIN_UNREACHABLE: { status: 502, text: 'cannot reach the admin API' },
  SY_ERR_ADMIN_NOT_JSON: { status: 502, text: 'the admin API answered something that is not JSON' },
  SY_ERR_ADMIN_REFUSED: { status: 502, text: 'the admin API refused the call' },
  SY_ERR_LISTEN: { status: 500, text: 'cannot listen on an address' },
  SY_ERR_CLI_ARGUMENT: { status: 400, text: 'bad command-line argument' },
  SY_ERR_INTERNAL: { status: 500, text: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERRORS, code);

/**
 * The one error class of the control plane: a code from the table (which gives the status), the
 * detail an operator can act on (the message; the table's text when there is none) and, where one
 * input is at fault, its key path (`body.weight`, `params.pool`, `pools.web.scheduler`).
 */
export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly path: string | undefined;
  constructor(code: ErrorCode, detail?: string, path?: string) {
    super(detail ?? ERRORS[code].text);
    this.name = 'SwitchyardError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = detail;
    this.path = path;
  }
}

/** How the command line prints an error: `code: message` (a multi-line message keeps its lines). */
export function errorLine(e: unknown): string {
  if (e instanceof SwitchyardError) return `${e.code}: ${e.message}`;
  return `SY_ERR_INTERNAL: ${e instanceof Error ? e.message : String(e)}`;
}

export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * A config that failed validation: every problem with its key path. Problems only at `(file)`
 * (src/config/load.ts: missing or unloadable) make it SY_ERR_CONFIG_FILE.
 */
export class ConfigError extends SwitchyardError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], file?: string) {
    super(
      problems.length > 0 && problems.every((p) => p.path === '(file)') ? 'SY_ERR_CONFIG_FILE' : 'SY_ERR_CONFIG_INVALID',
      `${file ? file + ': ' : ''}${problems.length} config problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'),
      problems.length === 1 ? problems[0]!.path : undefined,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
