// `switchyard selftest`: the request corpus through the config's listeners (src/selftest/run.ts).
import type { Command } from 'commander';
import { importConfig } from '../config/load.js';
import { SwitchyardError } from '../errors.js';
import { formatSelftest } from '../selftest/format.js';
import { selftest } from '../selftest/run.js';

export function registerSelftest(program: Command): void {
  program
    .command('selftest')
    .description('send a corpus of smuggling, header and path tricks through the config\'s listeners (pools pointed at capture backends); exit 1 on any desync or bypass')
    .option('-c, --config <file>', 'config file', 'routes.config.ts')
    .option('--json', 'print JSON', false)
    .option('--chain <url>', "send the corpus through this front proxy (http://host:port), which forwards to the config's first listener; reports where the two parsers disagree")
    .action(async (o: { config: string; json: boolean; chain?: string }) => {
      if (o.chain !== undefined && !/^https?:\/\/[^/]+\/?$/.test(o.chain)) {
        throw new SwitchyardError('SY_ERR_CLI_ARGUMENT', `bad --chain ${JSON.stringify(o.chain)}: expected http://host:port`, '--chain');
      }
      const report = await selftest(await importConfig(o.config), o.config, o.chain !== undefined ? { chain: o.chain } : {});
      process.stdout.write((o.json ? JSON.stringify(report, null, 2) : formatSelftest(report)) + '\n');
      if (!report.ok) process.exitCode = 1;
    });
}
