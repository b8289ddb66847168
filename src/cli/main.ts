#!/usr/bin/env node
// The `switchyard` command line.
import cluster from 'node:cluster';
import { Command, CommanderError } from 'commander';
import { ConfigError, errorLine, SwitchyardError } from '../errors.js';
import { configDir, importConfig } from '../config/load.js';
import { validate } from '../config/validate.js';
import { Router } from '../router.js';
import { addressClashes, boundSockets, certWarnings, configWarnings, describeConfig, listenerCerts } from './check.js';
import { formatExplanation } from './explain.js';
import { formatPreview, previewAgainst } from './preview.js';
import { say, start } from './start.js';
import { argumentHint, collect, commandOf, hintFor, packageVersion } from './args.js';
import { registerAdm } from './adm.js';
import { registerSimulate } from './simulate.js';
import { registerSelftest } from './selftest.js';
import { reportStartFailure } from './worker-start.js';
import { reloadHere } from './cluster-control.js';

const program = new Command();
program
  .name('switchyard')
  .description('Content-aware L7 request router: routes by path, MIME type and headers; IPVS-style schedulers and affinity.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .exitOverride();

program
  .command('start')
  .description('run the router; SIGHUP reloads the config, SIGTERM/SIGINT drain in-flight requests and exit')
  .option('-c, --config <file>', 'config file (.ts, .js, .mjs)', 'routes.config.ts')
  .option('--demo', 'also start the demo backends named in the config (loopback only)', false)
  .option('--no-traffic', 'with --demo: do not send the light demo load')
  .option('--log-demo-load', "with --demo: write the demo load's requests to the access log too", false)
  .action(async (o: { config: string; demo: boolean; traffic: boolean; logDemoLoad: boolean }) => {
    const running = await start(o.config, { demo: o.demo, traffic: o.traffic, logDemoLoad: o.logDemoLoad });
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      say(`switchyard: ${sig}: finishing in-flight requests…`);
      // a shutdown that fails says why on stderr and exits 1 (was: an unhandled rejection, silent)
      void running.stop().then(() => process.exit(0), (e: Error) => {
        say(`switchyard: ${sig}: shutdown failed: ${e.message}`);
        process.exit(1);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // the runtime logs the outcome once, on stderr (src/runtime/runtime.ts); a cluster primary
    // leaves it to its workers (src/cli/cluster.ts forwards the signal), each of which reloads
    // only itself (src/cli/cluster-control.ts), so each logs it once
    process.on('SIGHUP', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) void reloadHere(running.router);
    });
  });

program
  .command('check')
  .description('validate a config; print the route table and pools')
  .option('-c, --config <file>', 'config file', 'routes.config.ts')
  .option('--against <url>', "preview a reload to this config on the router whose admin API is at <url>; nothing is applied")
  .option('--token <token>', 'with --against: admin token (default: $SWITCHYARD_ADMIN_TOKEN, or $SWITCHYARD_TOKEN)')
  .option('--json', 'with --against: print the preview as JSON', false)
  .action(async (o: { config: string; against?: string; token?: string; json: boolean }) => {
    const raw = await importConfig(o.config);
    const { config, problems } = validate(raw, { baseDir: configDir(o.config) });
    if (!config) throw new ConfigError(problems, o.config);
    // clashes that only show once host names are resolved (validation compares the strings)
    const clashes = addressClashes(await boundSockets(config));
    // the listeners' certificate files, read as start reads them
    const tls = listenerCerts(config);
    if (clashes.length + tls.problems.length > 0) throw new ConfigError([...clashes, ...tls.problems], o.config);
    const warnings = [...configWarnings(config), ...certWarnings(tls.certs, Date.now())].map((w) => `warning: ${w}\n`).join('');
    if (o.against !== undefined) {
      const a = await previewAgainst(raw, { admin: o.against, flag: '--against', token: o.token ?? process.env.SWITCHYARD_ADMIN_TOKEN ?? process.env.SWITCHYARD_TOKEN });
      process.stdout.write(o.json ? `${JSON.stringify(a.preview, null, 2)}\n` : `${o.config}: OK\n${warnings}\n${formatPreview(o.against, a)}\n`);
      return;
    }
    process.stdout.write(`${o.config}: OK\n${warnings}\n${describeConfig(config, tls.certs)}\n`);
  });

program
  .command('explain')
  .description("which route, pool and backend a request would get, and why (e.g. explain GET /img/logo.png -H 'Accept: image/webp')")
  .argument('<method>', 'HTTP method')
  .argument('<url>', 'path (and query), or an absolute URL')
  .option('-c, --config <file>', 'config file', 'routes.config.ts')
  .option('-H, --header <header>', "request header 'Name: value' (one per -H; repeatable)", collect, [])
  .option('--client <ip>', 'client address (for client-ip hashing and affinity)', '127.0.0.1')
  .option('--json', 'print JSON', false)
  .action(async (method: string, url: string, o: { config: string; header: string[]; client: string; json: boolean }) => {
    const headers: Record<string, string> = {};
    for (const h of o.header) {
      const i = h.indexOf(':');
      if (i <= 0) throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', `bad header ${JSON.stringify(h)}: expected 'Name: value'`, '--header');
      headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    const router = await Router.fromFile(o.config, { logger: (await import('pino')).pino({ level: 'silent' }) });
    const e = router.explain({ method, url, headers, clientIp: o.client });
    process.stdout.write((o.json ? JSON.stringify(e, null, 2) : formatExplanation(e)) + '\n');
    await router.close(0);
  });

registerSimulate(program);
registerSelftest(program);
registerAdm(program);
argumentHint(program);

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    // a command that found a problem it has printed (selftest) sets process.exitCode
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed its one-line error and the hint (args.ts); usage errors exit 2
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    // every other failure: one `code: message` line (a config's problems follow, one a line); a
    // cluster worker hands it to the primary, which prints it once (src/cli/worker-start.ts)
    if (await reportStartFailure(errorLine(e))) return 1;
    process.stderr.write(`switchyard: ${errorLine(e)}\n`);
    if (e instanceof SwitchyardError && e.code === 'SY_ERR_CLI_ARGUMENT') {
      process.stderr.write(`${hintFor(commandOf(program, argv.slice(2)))}\n`);
      return 2;
    }
    return 1;
  }
}

const code = await main(process.argv);
if (code !== 0 || !process.argv.slice(2).some((a) => a === 'start')) process.exitCode = code;
// a failed start has closed what it opened, so the process ends by itself; should some handle
// still hold it, it ends anyway
if (code !== 0) setTimeout(() => process.exit(code), 10_000).unref();
// a cluster worker's IPC channel would hold it: it has reported, so it goes now
if (code !== 0 && cluster.isWorker) process.exit(code);
