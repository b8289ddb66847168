// Every admin API failure as one coded error (src/errors.ts) and its JSON body
// `{ error, statusCode, code, path? }` (schemas.ts ErrorBody). Pure: server.ts feeds it what
// fastify or a route threw.
import { SwitchyardError, type ErrorCode } from '../errors.js';

export interface ErrorBody {
  error: string;
  statusCode: number;
  code: ErrorCode;
  path?: string;
}

/** What fastify hands the error handler (a FastifyError, a SwitchyardError or anything thrown). */
export interface Thrown {
  message: string;
  code?: string | undefined;
  statusCode?: number | undefined;
  validation?: readonly AjvIssue[] | undefined;
  validationContext?: string | undefined;
}

/** The parts of one ajv error that locate the input at fault. */
export interface AjvIssue {
  instancePath: string;
  params?: Record<string, unknown>;
}

/** `body` + `/headers/a~1b` + missing or extra `x` → `body.headers["a/b"].x`; names with `-` stay dotted (`headers.x-a`), indexes as `[0]`. */
export function validationPath(context: string, issue: AjvIssue | undefined): string {
  const parts = (issue?.instancePath ?? '').split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = issue?.params?.missingProperty ?? issue?.params?.additionalProperty;
  if (typeof extra === 'string') parts.push(extra);
  return parts.reduce((path, p) => (/^\d+$/.test(p) ? `${path}[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? `${path}.${p}` : `${path}[${JSON.stringify(p)}]`), context);
}

/** fastify's own 4xx, by status, when it is not a schema validation failure. */
const BY_STATUS: Record<number, ErrorCode> = {
  404: 'SY_ERR_ADMIN_NO_ROUTE',
  413: 'SY_ERR_ADMIN_BODY_TOO_LARGE',
  415: 'SY_ERR_ADMIN_CONTENT_TYPE',
};

/** Anything a route or fastify threw → the coded error to answer with. */
export function adminError(err: Thrown): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  if (err.validation) {
    const context = err.validationContext ?? 'input';
    return new SwitchyardError('SY_ERR_ADMIN_BAD_INPUT', `bad ${context}: ${err.message}`, validationPath(context, err.validation[0]));
  }
  const status = err.statusCode ?? 500;
  if (status < 400 || status >= 500) return new SwitchyardError('SY_ERR_INTERNAL', err.message);
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new SwitchyardError('SY_ERR_ADMIN_BAD_JSON', err.message, 'body');
  }
  return new SwitchyardError(BY_STATUS[status] ?? 'SY_ERR_ADMIN_BAD_REQUEST', err.message);
}

/**
 * The status and JSON body of the answer. The status is the code's, except that a fastify 4xx
 * outside the table (none is known today) keeps its own under SY_ERR_ADMIN_BAD_REQUEST.
 */
export function errorAnswer(err: Thrown): { status: number; body: ErrorBody } {
  const e = adminError(err);
  const own = err.statusCode;
  const status = e.code === 'SY_ERR_ADMIN_BAD_REQUEST' && own !== undefined && own >= 400 && own < 500 ? own : e.status;
  return { status, body: errorBody(e, status) };
}

export function errorBody(e: SwitchyardError, status = e.status): ErrorBody {
  return { error: e.message, statusCode: status, code: e.code, ...(e.path !== undefined ? { path: e.path } : {}) };
}
