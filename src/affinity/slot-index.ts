// Client key → table slot. Canonical dotted-quad IPv4 keys (what 'client' templates and most
// connection labels are keyed by) live in an open-addressing table over their 32-bit value: one
// probe into a typed array, where a string-keyed Map with a million entries hashes the string and
// follows pointers to compare it. Every other key uses a Map.
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

export class SlotIndex {
  private readonly other = new Map<string, number>();
  /** key values (as int32) and slot + 1 (0: empty), linear probing */
  private keys = new Int32Array(16);
  private slots = new Int32Array(16);
  private mask = 15;
  private count = 0;

  get size(): number {
    return this.other.size + this.count;
  }

  get(k: string): number | undefined {
    const v = ipv4Value(k);
    if (v < 0) return this.other.get(k);
    const key = v | 0;
    const keys = this.keys;
    const slots = this.slots;
    for (let j = fmix32(key) & this.mask; ; j = (j + 1) & this.mask) {
      const s = slots[j]!;
      if (s === 0) return undefined;
      if (keys[j] === key) return s - 1;
    }
  }

  set(k: string, slot: number): void {
    const v = ipv4Value(k);
    if (v < 0) {
      this.other.set(k, slot);
      return;
    }
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    this.put(v | 0, slot + 1);
  }

  delete(k: string): boolean {
    const v = ipv4Value(k);
    if (v < 0) return this.other.delete(k);
    const key = v | 0;
    const { keys, slots, mask } = this;
    let i = fmix32(key) & mask;
    for (; ; i = (i + 1) & mask) {
      if (slots[i] === 0) return false;
      if (keys[i] === key) break;
    }
    slots[i] = 0;
    this.count--;
    // backward-shift deletion: pull later members of the probe run into the hole
    for (let k2 = (i + 1) & mask; slots[k2] !== 0; k2 = (k2 + 1) & mask) {
      const home = fmix32(keys[k2]!) & mask;
      const stays = i <= k2 ? home > i && home <= k2 : home > i || home <= k2;
      if (stays) continue;
      keys[i] = keys[k2]!;
      slots[i] = slots[k2]!;
      slots[k2] = 0;
      i = k2;
    }
    return true;
  }

  clear(): void {
    this.other.clear();
    this.slots.fill(0);
    this.count = 0;
  }

  private put(key: number, slotPlus1: number): void {
    const { keys, slots, mask } = this;
    for (let j = fmix32(key) & mask; ; j = (j + 1) & mask) {
      if (slots[j] === 0) {
        keys[j] = key;
        slots[j] = slotPlus1;
        this.count++;
        return;
      }
      if (keys[j] === key) {
        slots[j] = slotPlus1;
        return;
      }
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    const size = oldSlots.length * 2;
    this.keys = new Int32Array(size);
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.count = 0;
    for (let j = 0; j < oldSlots.length; j++) if (oldSlots[j] !== 0) this.put(oldKeys[j]!, oldSlots[j]!);
  }
}
