// pod-routes: plan and apply the pod routes of a cluster (like terraform plan/apply), run the local ARM
// emulator, or run the demo (`npm start`). Settings come from the environment under the Function app names;
// every one can be given as a flag instead (AZURE_SUBSCRIPTION_ID -> --azure-subscription-id).
import { Command, Option } from 'commander';
import { ConfigError, ENGINE_SETTING_KEYS } from '../config.js';
import type { Logger } from '../core/types.js';
import { type FleetCluster, loadFleet } from '../fleet/load.js';
import { clusterScope } from '../topology/scope.js';
import { type ClusterReport, engineReport, reportFleet, selectClusters } from './fleet.js';
import type { Command as CliCommand, OutputFormat } from './render.js';

function flagFor(setting: string): string {
  return `--${setting.toLowerCase().replaceAll('_', '-')}`;
}

function optionKey(setting: string): string {
  // commander camel-cases flags: --azure-subscription-id -> azureSubscriptionId
  return setting.toLowerCase().replace(/_([a-z])/gu, (_, c: string) => c.toUpperCase());
}

/** The settings a flag may override: the engine's, and the fleet file. */
const FLAG_SETTINGS = [...ENGINE_SETTING_KEYS, 'CLUSTERS_FILE'] as const;

function addSettingFlags(command: Command): Command {
  for (const key of FLAG_SETTINGS) command.option(`${flagFor(key)} <value>`, `overrides ${key}`);
  return command.option(
    '--cluster <name>',
    "only this cluster of CLUSTERS_FILE's fleet (default: every one)",
  );
}

/** Flags win over the environment; both use the same validation and the same error messages. */
function fleetFrom(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): FleetCluster[] {
  const source: Record<string, string | undefined> = { ...env };
  for (const key of FLAG_SETTINGS) {
    const value = flags[optionKey(key)];
    if (typeof value === 'string') source[key] = value;
  }
  const name = typeof flags.cluster === 'string' ? flags.cluster : undefined;
  return selectClusters(loadFleet(source), name);
}

function stderrLogger(verbose: boolean): Logger {
  const write = (level: string, message: string, props?: Record<string, unknown>) =>
    process.stderr.write(
      `${level} ${message}${props && Object.keys(props).length ? ` ${JSON.stringify(props)}` : ''}\n`,
    );
  return {
    debug: (message, props) => verbose && write('debug', message, props),
    info: (message, props) => verbose && write('info', message, props),
    warn: (message, props) => write('warn', message, props),
    error: (message, props) => write('error', message, props),
  };
}

/** The clusters to work on, or undefined after printing what is wrong with the settings. */
function cliFleet(flags: Record<string, unknown>): FleetCluster[] | undefined {
  try {
    return fleetFrom(flags, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `${error.message}\n(set these as environment variables or as flags, e.g. ${flagFor(error.problems[0]?.setting ?? 'AZURE_SUBSCRIPTION_ID')})\n`,
      );
      return undefined;
    }
    throw error;
  }
}

/**
 * Ctrl-C ends the run's waits (Retry-After, LRO polling, the settle wait) at once: the run ends Failed and the
 * result says so. The handler is removed after the run, so a second Ctrl-C exits as usual.
 */
async function untilInterrupted<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onSigint);
  try {
    return await run(interrupt.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

const print = (text: string) => process.stdout.write(`${text}\n`);

async function runEngine(command: CliCommand, flags: Record<string, unknown>): Promise<number> {
  const clusters = cliFleet(flags);
  if (clusters === undefined) return 1;
  const format = flags.output as OutputFormat;
  const report = engineReport(command, format, {
    forceDeletions: flags.force === true,
    log: stderrLogger(flags.verbose === true),
  });
  return untilInterrupted((interrupt) =>
    reportFleet(clusters, format, (c, tick) => report(c, AbortSignal.any([interrupt, tick])), print),
  );
}

function parseWorkers(value: string): 'all' | number {
  if (value === 'all') return 'all';
  if (!/^[1-9]\d*$/u.test(value))
    throw new Error(`--workers: expected 'all' or a number of workers (1 or more), got '${value}'`);
  return Number(value);
}

function parseConfirmAfter(value: string): number {
  if (!/^\d+$/u.test(value) || Number(value) > 3600)
    throw new Error(`--confirm-after: expected a whole number of seconds (0 to 3600), got '${value}'`);
  return Number(value);
}

const outputOption = () =>
  new Option('-o, --output <format>', 'output format')
    .choices(['table', 'json', 'markdown'])
    .default('table');

function buildProgram(): Command {
  const program = new Command('pod-routes')
    .description(
      'Keep the pod routes of a Kubernetes cluster on Azure VMs in sync with the VM pod-cidr tags.',
    )
    .showHelpAfterError()
    .exitOverride();
  addEngineCommands(program);
  addVerifyCommand(program);
  addTopologyCommand(program);
  addEmulatorCommand(program);
  addDemoCommand(program);
  return program;
}

/** plan and apply: the engine, as the timer function runs it. */
function addEngineCommands(program: Command): void {
  addSettingFlags(
    program
      .command('plan')
      .description(
        'show the drift and what apply would change; writes nothing. Exit 0 in sync, 2 drift found, 1 error',
      )
      .addOption(outputOption())
      .option('-v, --verbose', 'log ARM progress to stderr'),
  ).action(async (flags: Record<string, unknown>) => {
    process.exitCode = await runEngine('plan', flags);
  });

  addSettingFlags(
    program
      .command('apply')
      .description('repair the drift in one write. Exit 0 in sync, 3 in sync except refused changes, 1 error')
      .addOption(outputOption())
      .option('--force', 'allow deleting more routes than MAX_ROUTE_DELETIONS in this run')
      .option('-v, --verbose', 'log ARM progress to stderr'),
  ).action(async (flags: Record<string, unknown>) => {
    process.exitCode = await runEngine('apply', flags);
  });
}

function addVerifyCommand(program: Command): void {
  addSettingFlags(
    program
      .command('verify')
      .description(
        "check that every worker's NIC really routes the other workers' pod CIDRs to them (effective routes); writes nothing. Exit 0 all effective, 2 findings, 4 findings not confirmed yet, 1 error",
      )
      .addOption(outputOption())
      .option('--workers <all|N>', "'all', or check a sample of N workers", parseWorkers, 'all' as const)
      .option(
        '--confirm-after <seconds>',
        'a finding counts once the workers with findings, read again this long after, still show it (route changes take up to about a minute to reach the NICs); 0 counts every finding at once',
        parseConfirmAfter,
        60,
      )
      .option('-v, --verbose', 'log ARM progress to stderr'),
  ).action(async (flags: Record<string, unknown>) => {
    process.exitCode = await runVerify(flags);
  });
}

async function runVerify(flags: Record<string, unknown>): Promise<number> {
  const clusters = cliFleet(flags);
  if (clusters === undefined) return 1;
  const { verify } = await import('../verify.js');
  const { renderVerify, verifyExitCode } = await import('./render-verify.js');
  const format = flags.output as OutputFormat;
  const confirmAfterMs = (flags.confirmAfter as number) * 1000;
  const report = async ({ name, config }: FleetCluster, signal: AbortSignal): Promise<ClusterReport> => {
    const result = await verify({
      config,
      trigger: 'cli',
      workers: flags.workers as 'all' | number,
      log: stderrLogger(flags.verbose === true),
      signal,
      confirmAfterMs,
      // The wait for confirmation comes on top of the reads' usual budget.
      timeoutMs: 120_000 + confirmAfterMs,
    });
    const { summary } = result;
    return {
      cluster: name,
      rendered: renderVerify(format, result, clusterScope(config)),
      summary: `${result.status} [${summary.ok} ok, ${summary.shadowed} shadowed, ${summary.missing} missing, ${summary.readFailed} read failed, ${summary.unconfirmed} not confirmed yet]`,
      json: JSON.parse(renderVerify('json', result)),
      exitCode: verifyExitCode(result),
    };
  };
  return untilInterrupted((interrupt) =>
    reportFleet(clusters, format, (c, tick) => report(c, AbortSignal.any([interrupt, tick])), print),
  );
}

function addTopologyCommand(program: Command): void {
  addSettingFlags(
    program
      .command('topology')
      .description(
        'draw the route tables, subnets, workers and routes with their drift into one self-contained file (no network needed to open it). Exit 0 nothing found, 2 findings, 1 error',
      )
      .addOption(new Option('-o, --output <format>', 'file format').choices(['html', 'svg']).default('html'))
      .requiredOption('--out <file>', 'file to write (e.g. topology.html)')
      .option('--verify', "also read every worker's effective routes and mark routes not in effect")
      .option('-v, --verbose', 'log ARM progress to stderr'),
  ).action(async (flags: Record<string, unknown>) => {
    const clusters = cliFleet(flags);
    if (clusters === undefined) {
      process.exitCode = 1;
      return;
    }
    if (clusters.length !== 1) {
      process.stderr.write(
        `topology draws one cluster: name one with --cluster (${clusters.map((c) => c.name).join(', ')})\n`,
      );
      process.exitCode = 1;
      return;
    }
    const config = clusters[0]!.config;
    const { writeTopology } = await import('./topology.js');
    process.exitCode = await untilInterrupted((signal) =>
      writeTopology({
        config,
        format: flags.output as 'html' | 'svg',
        out: flags.out as string,
        verify: flags.verify === true,
        log: stderrLogger(flags.verbose === true),
        signal,
      }),
    );
  });
}

function addEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description(
      'run the local ARM emulator; prints one JSON line with endpoint, CA file and subscription when ready',
    )
    .requiredOption('--world <file>', 'world file seeding the emulator (e.g. examples/kthw-azure.world.json)')
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new Error(`--port: expected a port number 0-65535, got '${v}'`);
      return n;
    })
    .option(
      '--events-to <url>',
      'deliver every event to this webhook URL as Event Grid does (an event subscription without filter)',
    )
    .option(
      '--rbac',
      "authorize every request against the deployed custom role (with REPAIR_IP_FORWARDING's actions): 403 AuthorizationFailed / LinkedAuthorizationFailed as ARM answers",
    )
    .option(
      '--max-routes-per-table <n>',
      "routes per table before ARM refuses a PUT (default 1000, Azure's limit; 400 models a cloud with the old one)",
      (v) => {
        const n = Number(v);
        if (!/^\d+$/u.test(v) || n < 1)
          throw new Error(
            `--max-routes-per-table: expected a whole number of routes (1 or more), got '${v}'`,
          );
        return n;
      },
    )
    .option(
      '--route-propagation-ms <ms>',
      "delay before a route table change reaches the NICs' effective routes, as on Azure (default: the world's routePropagationMs, else 0)",
      (v) => {
        if (!/^\d+$/u.test(v))
          throw new Error(`--route-propagation-ms: expected a whole number of milliseconds, got '${v}'`);
        return Number(v);
      },
    )
    .option(
      '--event-grid-write-ms <ms>',
      "how long Event Grid's topic and event subscription writes stay Creating/Updating (default: the world's writeDelays.eventGridMs, else 0)",
      (v) => {
        if (!/^\d+$/u.test(v) || Number(v) > 600_000)
          throw new Error(
            `--event-grid-write-ms: expected a whole number of milliseconds (0-600000), got '${v}'`,
          );
        return Number(v);
      },
    )
    .action(
      async (flags: {
        world: string;
        port?: number;
        eventsTo?: string;
        rbac?: boolean;
        maxRoutesPerTable?: number;
        routePropagationMs?: number;
        eventGridWriteMs?: number;
      }) => {
        const { runEmulatorCommand } = await import('../emulator/main.js');
        const { roleActions } = await import('../azure/operations.js');
        await runEmulatorCommand({
          world: flags.world,
          port: flags.port,
          eventsTo: flags.eventsTo,
          maxRoutesPerTable: flags.maxRoutesPerTable,
          routePropagationMs: flags.routePropagationMs,
          eventGridWriteMs: flags.eventGridWriteMs,
          ...(flags.rbac ? { rbac: { actions: roleActions(true) } } : {}),
        });
      },
    );
}

function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job on the embedded emulator: inject drift, plan, repair as the timer function does, show the result',
    )
    .option(
      '--world <file>',
      "world file, or 'multi-region' (one cluster, two tables in two regions) or 'fleet' (20 clusters over two subscriptions), run through their fleet file",
      'examples/kthw-azure.world.json',
    )
    .action(async (flags: { world: string }) => {
      const { isFleetDemo, runFleetDemo } = await import('./demo-fleet.js');
      if (isFleetDemo(flags.world)) {
        process.exitCode = await runFleetDemo({ demo: flags.world, out: process.stdout });
        return;
      }
      const { runDemo } = await import('./demo.js');
      process.exitCode = await runDemo({ world: flags.world, out: process.stdout });
    });
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const err = error as { code?: string; exitCode?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 1;
      return;
    }
    process.stderr.write(`pod-routes: ${err.message ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
