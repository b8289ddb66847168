// Client key → table slot. Canonical dotted-quad IPv4 keys (what 'client' templates and most
// connection labels are keyed by) live in an open-addressing table over their 32-bit value: one
// probe into one typed array holding key and slot side by side (one cache line), where a
// string-keyed Map with a million entries hashes the string and follows pointers to compare it.
// Every other key uses a Map. Callers that already hold the value (ipv4Value) use the *V methods.
import { fmix32 } from '../schedulers/hash.js';

/** The 32-bit value of a canonical dotted quad ("10.0.0.7", no leading zeros), else -1. */
export function ipv4Value(k: string): number {
  const n = k.length;
  if (n < 7 || n > 15) return -1;
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero: not canonical
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + part;
}

/** The dotted quad of a 32-bit value (the inverse of ipv4Value; int32 values are taken unsigned). */
export function ipv4String(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export class SlotIndex {
  private readonly other = new Map<string, number>();
  /** [2j] key value (as int32), [2j+1] slot + 1 (0: empty); linear probing */
  private tab = new Int32Array(32);
  private mask = 15;
  private count = 0;

  get size(): number {
    return this.other.size + this.count;
  }

  get(k: string): number | undefined {
    const v = ipv4Value(k);
    return v < 0 ? this.other.get(k) : this.getV(v);
  }

  set(k: string, slot: number): void {
    const v = ipv4Value(k);
    if (v < 0) this.other.set(k, slot);
    else this.setV(v, slot);
  }

  delete(k: string): boolean {
    const v = ipv4Value(k);
    return v < 0 ? this.other.delete(k) : this.deleteV(v);
  }

  /** get for a key's ipv4Value (≥ 0). */
  getV(v: number): number | undefined {
    const key = v | 0;
    const tab = this.tab;
    const mask = this.mask;
    for (let j = fmix32(key) & mask; ; j = (j + 1) & mask) {
      const s = tab[2 * j + 1]!;
      if (s === 0) return undefined;
      if (tab[2 * j] === key) return s - 1;
    }
  }

  setV(v: number, slot: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.put(v | 0, slot + 1);
  }

  deleteV(v: number): boolean {
    const key = v | 0;
    const { tab, mask } = this;
    let i = fmix32(key) & mask;
    for (; ; i = (i + 1) & mask) {
      if (tab[2 * i + 1] === 0) return false;
      if (tab[2 * i] === key) break;
    }
    tab[2 * i + 1] = 0;
    this.count--;
    // backward-shift deletion: pull later members of the probe run into the hole
    for (let k = (i + 1) & mask; tab[2 * k + 1] !== 0; k = (k + 1) & mask) {
      const home = fmix32(tab[2 * k]!) & mask;
      const stays = i <= k ? home > i && home <= k : home > i || home <= k;
      if (stays) continue;
      tab[2 * i] = tab[2 * k]!;
      tab[2 * i + 1] = tab[2 * k + 1]!;
      tab[2 * k + 1] = 0;
      i = k;
    }
    return true;
  }

  clear(): void {
    this.other.clear();
    this.tab.fill(0);
    this.count = 0;
  }

  private put(key: number, slotPlus1: number): void {
    const { tab, mask } = this;
    for (let j = fmix32(key) & mask; ; j = (j + 1) & mask) {
      if (tab[2 * j + 1] === 0) {
        tab[2 * j] = key;
        tab[2 * j + 1] = slotPlus1;
        this.count++;
        return;
      }
      if (tab[2 * j] === key) {
        tab[2 * j + 1] = slotPlus1;
        return;
      }
    }
  }

  private grow(): void {
    const old = this.tab;
    this.tab = new Int32Array(old.length * 2);
    this.mask = old.length - 1;
    this.count = 0;
    for (let j = 0; j < old.length; j += 2) if (old[j + 1] !== 0) this.put(old[j]!, old[j + 1]!);
  }
}
