// One table of Switchyard's error codes: HTTP status and the short plain-text cause sent to clients.
export const ERRORS = {
  SY_ERR_NO_ROUTE: { status: 404, text: 'no route matches this request' },
  SY_ERR_BAD_PATH: { status: 400, text: 'bad request: invalid path encoding' },
  SY_ERR_BAD_REQUEST: { status: 400, text: 'bad request' },
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
  SY_ERR_CLIENT_ABORTED: { status: 499, text: 'client closed the connection' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, detail?: string) {
    super(detail ? `${ERRORS[code].text}: ${detail}` : ERRORS[code].text);
    this.code = code;
    this.status = ERRORS[code].status;
  }
}

/** A config that failed validation: every problem with its key path. */
export class ConfigError extends Error {
  readonly problems: readonly { path: string; message: string }[];
  constructor(problems: readonly { path: string; message: string }[], file?: string) {
    super(
      `${file ? file + ': ' : ''}${problems.length} config problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'),
    );
    this.problems = problems;
  }
}
