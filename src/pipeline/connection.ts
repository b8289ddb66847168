// The pipeline for a raw TCP connection (src/tcp/service.ts): client address → pool → decision
// context. The same decide step as HTTP follows (decideAttempt in src/pipeline/decide.ts).
import type { Socket } from 'node:net';
import type { AffinityInput, ConnRef } from '../affinity/core.js';
import type { PoolRuntime } from '../pools/pool.js';
import { connectionEnds } from '../proxy-protocol/accept.js';
import type { ConnectionEnds } from '../proxy-protocol/encode.js';
import type { PickContext } from '../schedulers/types.js';
import type { PipelineHost } from './admit.js';
import type { Choice } from './decide.js';

export interface ConnectionChoice extends Choice {
  readonly pool: PoolRuntime;
  readonly aff: AffinityInput & { conn: ConnRef };
  /** Client and destination (from the PROXY header on acceptProxy services). */
  readonly ends: ConnectionEnds;
}

/** Undefined when the pool is gone (a reload removed it). */
export function admitConnection(host: Pick<PipelineHost, 'pools' | 'affinity'>, poolName: string, socket: Socket): ConnectionChoice | undefined {
  const pool = host.pools.get(poolName);
  if (pool === undefined) return undefined;
  const ends = connectionEnds(socket);
  const clientIp = ends.source.address;
  const core = host.affinity;
  // raw TCP always has a connection entry (the IPVS connection table), whatever the pool's affinity
  const aff = { core, conn: core.connection(socket), token: undefined };
  const ctx: PickContext = { key: pool.def.hashing ? clientIp : undefined, clientIp, clientPort: ends.source.port, now: Date.now(), avoid: undefined };
  return { pool, ctx, aff, ends };
}
