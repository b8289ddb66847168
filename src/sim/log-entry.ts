// One request of an access log, whichever format it was read from (src/sim/clf.ts, src/sim/json-log.ts).
export interface ClfEntry {
  host: string;
  time: number;
  method: string;
  path: string;
  status: number;
  bytes: number | undefined;
}
