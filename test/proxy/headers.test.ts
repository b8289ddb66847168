import { describe, expect, it } from 'vitest';
import { requestHeaders, type ForwardInfo } from '../../src/proxy/headers.js';

const base: ForwardInfo = { peerIp: '10.0.0.9', proto: 'http', trusted: false, upgrade: false };

/** Names and values as `name: value` lines, to compare whole header lists. */
function lines(h: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) out.push(`${h[i]}: ${h[i + 1]}`);
  return out;
}

describe('requestHeaders', () => {
  it('removes X-Real-IP and True-Client-IP from an untrusted peer, keeps them from a trusted one', () => {
    const raw = ['Host', 'a', 'X-Real-IP', '6.6.6.6', 'True-Client-IP', '6.6.6.7', 'Accept', '*/*'];
    expect(lines(requestHeaders(raw, undefined, base))).toEqual([
      'Host: a', 'Accept: */*', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a',
    ]);
    expect(lines(requestHeaders(raw, undefined, { ...base, trusted: true }))).toEqual([
      'Host: a', 'X-Real-IP: 6.6.6.6', 'True-Client-IP: 6.6.6.7', 'Accept: */*', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a',
    ]);
  });

  it('drops every name with an underscore by default, trusted or not', () => {
    const raw = ['Host', 'a', 'X_Forwarded_For', '6.6.6.6', 'X-Real_IP', '6.6.6.7', 'my_custom_header_of_some_length_over_32', 'v', 'a_b', 'v', 'Accept', '*/*'];
    for (const trusted of [false, true]) {
      expect(lines(requestHeaders(raw, undefined, { ...base, trusted }))).toEqual([
        'Host: a', 'Accept: */*', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a',
      ]);
    }
    // also when a Connection header sends every name down the slow path
    expect(lines(requestHeaders(['Host', 'a', 'a_b', 'v', 'X-Other', 'v'], 'x-other', base))).toEqual([
      'Host: a', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a',
    ]);
  });

  it('with allowUnderscore: forwards them, but underscore spellings of forwarding and hop-by-hop names stay untrusted', () => {
    const raw = ['Host', 'a', 'x_forwarded_for', '6.6.6.6', 'X-Real_IP', '6.6.6.7', 'true_client_ip', '6.6.6.8', 'Transfer_Encoding', 'chunked', 'a_b', 'v'];
    const f = { ...base, allowUnderscore: true };
    expect(lines(requestHeaders(raw, undefined, f))).toEqual([
      'Host: a', 'a_b: v', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a',
    ]);
    expect(lines(requestHeaders(raw, undefined, { ...f, trusted: true }))).toEqual([
      'Host: a', 'x_forwarded_for: 6.6.6.6', 'X-Real_IP: 6.6.6.7', 'true_client_ip: 6.6.6.8', 'a_b: v',
      'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a',
    ]);
    // a Connection token names the header in either spelling
    expect(lines(requestHeaders(['Host', 'a', 'x_secret', 'v'], 'x-secret', f))).toEqual([
      'Host: a', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a',
    ]);
  });

  it('never lets Connection strip Host', () => {
    expect(lines(requestHeaders(['Host', 'a', 'Connection', 'host', 'X-A', '1'], 'host', base))).toEqual([
      'Host: a', 'X-A: 1', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a',
    ]);
  });
});
