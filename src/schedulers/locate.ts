// Find a backend by id in the live list in O(1): state keeps an id → index map that is rebuilt
// whenever the list has changed under it (so maps of ids stay valid across membership changes).
import type { BackendView } from './types.js';

export interface Positions {
  /** id → index in the backend list, as last seen. */
  pos: Map<string, number>;
}

export function positionsOf(backends: readonly BackendView[]): Map<string, number> {
  const m = new Map<string, number>();
  backends.forEach((b, i) => m.set(b.id, i));
  return m;
}

/** The backend with this id, or undefined when it is no longer in the list. */
export function locate(st: Positions, backends: readonly BackendView[], id: string): BackendView | undefined {
  const i = st.pos.get(id);
  if (i !== undefined) {
    const b = backends[i];
    if (b !== undefined && b.id === id) return b;
  }
  st.pos = positionsOf(backends);
  const j = st.pos.get(id);
  return j === undefined ? undefined : backends[j];
}
