// A scheduler declares its parameters once, as a TypeBox object (names, types, defaults, limits,
// descriptions); `declareParams` derives the definition's `params` names, `paramSchema` and
// `parse` from it. The config types (src/config/types.ts) and docs/configuration.md read the same
// schema. A `refine` step adds what a schema cannot say (tLow < tHigh, a prime table size).
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { checkValue } from '../config/check-value.js';
import type { Problem } from './types.js';

export { Type };

export interface ParamsDecl<T extends TProperties, P> {
  /** Pool keys this scheduler accepts beside `scheduler`. */
  params: readonly string[];
  paramSchema: TObject<T>;
  /** Check the pool's raw params; push problems (path = `${at}.${key}`) and return parsed params. */
  parse(raw: Readonly<Record<string, unknown>>, at: string, problems: Problem[]): P;
}

type Refine<T extends TProperties, P> = (p: Static<TObject<T>>, at: string, problems: Problem[]) => P;

export function declareParams<T extends TProperties>(props: T): ParamsDecl<T, Static<TObject<T>>>;
export function declareParams<T extends TProperties, P>(props: T, refine: Refine<T, P>): ParamsDecl<T, P>;
export function declareParams<T extends TProperties, P>(props: T, refine?: Refine<T, P>): ParamsDecl<T, P | Static<TObject<T>>> {
  const paramSchema = Type.Object(props);
  return {
    params: Object.keys(props),
    paramSchema,
    parse(raw, at, problems) {
      const own: Record<string, unknown> = {};
      for (const k of Object.keys(props)) if (raw[k] !== undefined) own[k] = raw[k];
      const p = checkValue(paramSchema, own, at, problems) as Static<TObject<T>>;
      return refine ? refine(p, at, problems) : p;
    },
  };
}

/** Schedulers without parameters (their parsed params are null). */
export const noParams = declareParams({}, () => null);

/** A number parameter with its default and limits. */
export const num = (def: number, description: string, limits: { minimum?: number; maximum?: number } = {}) =>
  Type.Number({ default: def, description, ...limits });
export const int = (def: number, description: string, limits: { minimum?: number; maximum?: number } = {}) =>
  Type.Integer({ default: def, description, ...limits });
export const bool = (def: boolean, description: string) => Type.Boolean({ default: def, description });
