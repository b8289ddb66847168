// Cluster mode: one worker runs the admin server; the runtime changes it makes (add, re-weight,
// drain/enable/disable, remove, reload) are relayed through the primary to every other worker, so
// `adm drain` drains the backend in all of them. Each change also carries the runtime state after
// it (src/cli/held-state.ts); the primary holds the latest and hands it to every worker it starts,
// which applies it before binding its listeners.
import cluster from 'node:cluster';
import type { ReloadResult, Router } from '../router.js';
import { applyHeld, heldState, type HeldState } from './held-state.js';

const TAG = 'switchyard:control';
const REPLAY = 'switchyard:replay';
/** A new worker waits this long for the primary's held state before starting without it. */
const REPLAY_WAIT_MS = 5000;

type Op =
  | { op: 'add'; args: [string, string, number] }
  | { op: 'setWeight'; args: [string, string, number] }
  | { op: 'setState'; args: [string, string, 'active' | 'drain' | 'disabled'] }
  | { op: 'remove'; args: [string, string, number] }
  | { op: 'reload'; args: [] };

interface Message { type: typeof TAG; from: number; change?: Op; state: HeldState }
interface Replay { type: typeof REPLAY; state?: HeldState | null }

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === TAG;
}

/** In the admin worker: after each successful local change, tell the primary. */
export function relayChanges(router: Router): void {
  const send = (change: Op | undefined, leaving?: [string, string]) =>
    process.send?.({ type: TAG, from: cluster.worker?.id ?? 0, change, state: heldState(router, leaving) } satisfies Message);
  const c = router.control;
  const add = c.add.bind(c);
  const setWeight = c.setWeight.bind(c);
  const setState = c.setState.bind(c);
  const remove = c.remove.bind(c);
  const reload = router.reload.bind(router);
  c.add = (pool, url, weight = 1, reason) => {
    const b = add(pool, url, weight, reason);
    send({ op: 'add', args: [pool, url, weight] });
    return b;
  };
  c.setWeight = (pool, id, weight, reason) => {
    const b = setWeight(pool, id, weight, reason);
    send({ op: 'setWeight', args: [pool, id, weight] });
    return b;
  };
  c.setState = (pool, id, state, reason) => {
    const b = setState(pool, id, state, reason);
    send({ op: 'setState', args: [pool, id, state] });
    return b;
  };
  c.remove = (pool, id, deadlineMs = 30_000, reason) => {
    c.backend(pool, id); // throws (404) before anything is relayed when there is no such backend
    const done = remove(pool, id, deadlineMs, reason);
    send({ op: 'remove', args: [pool, id, deadlineMs] }, [pool, id]);
    return done;
  };
  // a reload this worker makes for itself (file change, SIGHUP: every worker gets those) still
  // updates the held state; only one asked of the admin API is relayed (once per worker)
  const local = () => {
    const r = reload();
    // the state after the reload, once it is applied
    void r.then(() => send(undefined), () => undefined);
    return r;
  };
  unrelayed.set(router, local);
  router.reload = () => {
    const r = local();
    send({ op: 'reload', args: [] });
    return r;
  };
}

const unrelayed = new WeakMap<Router, () => Promise<ReloadResult>>();

/** Reload for a cause every worker sees by itself (file change, SIGHUP): not relayed to the others. */
export function reloadHere(router: Router): Promise<ReloadResult> {
  return (unrelayed.get(router) ?? (() => router.reload()))();
}

/** In every other worker: apply the changes the admin worker made. */
export function applyRelayedChanges(router: Router): void {
  process.on('message', (m: unknown) => {
    if (!isMessage(m) || m.change === undefined) return;
    const { op, args } = m.change;
    const reason = 'changed through the admin API (relayed to this worker)';
    try {
      if (op === 'add') router.control.add(args[0], args[1], args[2], reason);
      else if (op === 'setWeight') router.control.setWeight(args[0], args[1], args[2], reason);
      else if (op === 'setState') router.control.setState(args[0], args[1], args[2], reason);
      else if (op === 'remove') void router.control.remove(args[0], args[1], args[2], reason).catch(() => undefined);
      else void router.reload();
    } catch (e) {
      router.log.warn({ err: (e as Error).message, op }, 'relayed admin change failed in this worker');
    }
  });
}

/**
 * In a new worker, before it binds its listeners: ask the primary for the runtime state it holds and
 * apply it. Changes relayed meanwhile are already in that state (the primary answers in order).
 */
export async function replayHeld(router: Router): Promise<void> {
  if (!process.send) return;
  const state = await new Promise<HeldState | null>((resolve) => {
    const done = (v: HeldState | null) => {
      clearTimeout(t);
      process.off('message', on);
      resolve(v);
    };
    const on = (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as Replay).type === REPLAY) done((m as Replay).state ?? null);
    };
    const t = setTimeout(() => done(null), REPLAY_WAIT_MS);
    process.on('message', on);
    process.send!({ type: REPLAY } satisfies Replay);
  });
  if (state) await applyHeld(router, state);
}

/** In the primary: hold the latest runtime state, hand it to new workers, pass each change on to every worker but its sender. */
export function forwardChanges(): void {
  let held: HeldState | null = null;
  cluster.on('message', (w, m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as Replay).type === REPLAY) {
      if (w.isConnected()) w.send({ type: REPLAY, state: held } satisfies Replay, undefined, ignoreSendError);
      return;
    }
    if (!isMessage(m)) return;
    held = m.state;
    if (m.change === undefined) return;
    for (const other of Object.values(cluster.workers ?? {})) {
      if (other && other.id !== w.id && other.isConnected()) other.send(m, undefined, ignoreSendError);
    }
  });
}

/** A worker on its way out closes its channel at any moment: a failed send is no error here. */
const ignoreSendError = (): void => undefined;
