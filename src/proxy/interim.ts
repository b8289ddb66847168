// A backend's unrequested `100 Continue` is dropped (docs/security.md, "Backend responses").
// undici closes a connection that answers 100 (it never sends Expect), which would turn the
// request into a 502 and count as a connect failure. Switchyard never forwards Expect (node:http
// answers the client's own 100-continue), so a 100 from a backend carries nothing: this filter
// removes interim 100 heads from the start of each response before undici's parser reads them.
//
// An upstream connection carries one request at a time (upstream.ts, pipelining 1), so a
// response starts right after a request head is written. undici writes each head as one latin1
// string beginning with the method; body chunks are Buffers and chunk frames start with CR or a
// digit.
import type { Socket } from 'node:net';

/** Largest interim head held back while waiting for its end (a longer one is left to undici). */
const MAX_HEAD = 16 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

/** True when the first bytes are, or may still become, an interim "HTTP/1.x 100" head. */
function looks100(b: Buffer): boolean {
  // "HTTP/1.x 100" then SP or CR
  const n = Math.min(b.length, 13);
  const want = 'HTTP/1.';
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (i < 7) {
      if (c !== want.charCodeAt(i)) return false;
    } else if (i === 7) {
      if (c !== 0x30 && c !== 0x31) return false;
    } else if (i === 8) {
      if (c !== 0x20) return false;
    } else if (i === 9 || i === 11) {
      if (c !== (i === 9 ? 0x31 : 0x30)) return false;
    } else if (i === 10) {
      if (c !== 0x30) return false;
    } else if (c !== 0x20 && c !== 0x0d) return false;
  }
  return true;
}

/** Patch `socket` so reads skip interim 100 heads at the start of each response. */
export function dropInterim100(socket: Socket): Socket {
  let atStart = false;
  let held: Buffer | null = null;
  const write = socket.write;
  const read = socket.read;
  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string') {
      const c = chunk.charCodeAt(0);
      if (c >= 0x41 && c <= 0x5a) atStart = true;
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Socket['write'];
  socket.read = function (this: Socket, size?: number): Buffer | null {
    let chunk = read.call(this, size) as Buffer | null;
    if (!atStart) return chunk;
    if (held !== null) {
      chunk = chunk === null ? held : Buffer.concat([held, chunk]);
      held = null;
    }
    while (chunk !== null && chunk.length > 0) {
      if (!looks100(chunk)) {
        atStart = false;
        return chunk;
      }
      const end = chunk.indexOf(CRLF2);
      if (end === -1) {
        if (chunk.length > MAX_HEAD) {
          atStart = false;
          return chunk;
        }
        held = chunk; // wait for the rest of the interim head
        return null;
      }
      chunk = chunk.subarray(end + 4);
    }
    return null;
  };
  return socket;
}
