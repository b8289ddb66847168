// A binary min-heap of (time, seq, value) for the event loop; ties pop in insertion order, so the
// simulation is deterministic and FIFO at equal times.

export class EventHeap {
  private t = new Float64Array(1024);
  private s = new Float64Array(1024);
  private v = new Int32Array(1024);
  private n = 0;
  private seq = 0;

  get size(): number {
    return this.n;
  }

  push(time: number, value: number): void {
    if (this.n === this.t.length) this.grow();
    let i = this.n++;
    const seq = this.seq++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.t[p]! < time || (this.t[p] === time && this.s[p]! < seq)) break;
      this.t[i] = this.t[p]!;
      this.s[i] = this.s[p]!;
      this.v[i] = this.v[p]!;
      i = p;
    }
    this.t[i] = time;
    this.s[i] = seq;
    this.v[i] = value;
  }

  /** Time of the earliest event (undefined when empty). */
  peekTime(): number | undefined {
    return this.n === 0 ? undefined : this.t[0];
  }

  /** Remove the earliest event; its time is in `lastTime`, its value is returned. */
  lastTime = 0;
  pop(): number {
    const top = this.v[0]!;
    this.lastTime = this.t[0]!;
    const n = --this.n;
    if (n > 0) {
      const time = this.t[n]!;
      const seq = this.s[n]!;
      const val = this.v[n]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n && (this.t[r]! < this.t[c]! || (this.t[r] === this.t[c] && this.s[r]! < this.s[c]!))) c = r;
        if (time < this.t[c]! || (time === this.t[c] && seq < this.s[c]!)) break;
        this.t[i] = this.t[c]!;
        this.s[i] = this.s[c]!;
        this.v[i] = this.v[c]!;
        i = c;
      }
      this.t[i] = time;
      this.s[i] = seq;
      this.v[i] = val;
    }
    return top;
  }

  private grow(): void {
    const m = this.t.length * 2;
    const t = new Float64Array(m);
    const s = new Float64Array(m);
    const v = new Int32Array(m);
    t.set(this.t);
    s.set(this.s);
    v.set(this.v);
    this.t = t;
    this.s = s;
    this.v = v;
  }
}
