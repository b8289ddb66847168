// Every scheduler name and alias with its definition, so that config types know each scheduler's
// parameters (src/config/types.ts). test/config/schema.test.ts checks it against the registry.
import { chbl } from '../schedulers/chbl.js';
import { dh } from '../schedulers/dh.js';
import { ewma } from '../schedulers/ewma.js';
import { lardR } from '../schedulers/lard-r.js';
import { lard } from '../schedulers/lard.js';
import { lblc } from '../schedulers/lblc.js';
import { lblcr } from '../schedulers/lblcr.js';
import { lc } from '../schedulers/lc.js';
import { mh } from '../schedulers/mh.js';
import { nq } from '../schedulers/nq.js';
import { p2c } from '../schedulers/p2c.js';
import { rr } from '../schedulers/rr.js';
import { sed } from '../schedulers/sed.js';
import { sh } from '../schedulers/sh.js';
import { wlc } from '../schedulers/wlc.js';
import { wrr } from '../schedulers/wrr.js';

export const schedulerMap = {
  rr, wrr, lc, wlc, sed, nq, dh, sh, lblc, lblcr, mh, maglev: mh, chbl, lard, 'lard-r': lardR, p2c, ewma,
};
