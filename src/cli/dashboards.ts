/**
 * `txpipe dashboards import`: loads the shipped data view, visualizations and dashboard into
 * Kibana or OpenSearch Dashboards (overwrite: running it again changes nothing).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { relative } from 'node:path';
import { loadConfig, type DashboardsSettings } from '../config.ts';
import { defaultDashboardsFile, importDashboards, type DashboardsTarget } from '../dashboards/import.ts';
import { createLogger } from '../observe/logger.ts';
import { redact, registerSecrets, secretsOf } from '../observe/redact.ts';

interface ImportFlags {
  kibanaUrl?: string;
  opensearchDashboardsUrl?: string;
  file?: string;
  space?: string;
  apiKey?: string;
  username?: string;
  password?: string;
  retryFor: number;
}

const USAGE_EXIT = 2;

export function registerDashboardsCommand(program: Command): void {
  const dashboards = program.command('dashboards').description('Kibana / OpenSearch Dashboards saved objects for the hourly_metrics index');

  dashboards
    .command('import')
    .description('import the hourly_metrics data view, visualizations and dashboard (overwrite=true, so it is safe to repeat)')
    .option('--kibana-url <url>', 'Kibana base URL (env KIBANA_URL)')
    .option('--opensearch-dashboards-url <url>', 'OpenSearch Dashboards base URL (env OPENSEARCH_DASHBOARDS_URL)')
    .option('--file <path>', 'saved-objects NDJSON to import (default: the shipped file for the target)')
    .option('--space <id>', 'Kibana space id (env KIBANA_SPACE)')
    .option('--api-key <key>', 'Kibana API key, base64 id:key (env KIBANA_API_KEY)')
    .option('--username <user>', 'basic-auth user (env KIBANA_USERNAME / OPENSEARCH_DASHBOARDS_USERNAME)')
    .option('--password <password>', 'basic-auth password (env KIBANA_PASSWORD / OPENSEARCH_DASHBOARDS_PASSWORD)')
    .option(
      '--retry-for <seconds>',
      'keep retrying while the server is unreachable or answers 429/5xx (not ready), with backoff from 1 s to 15 s',
      (v) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0 || n > 86_400) throw new InvalidArgumentError('must be a number of seconds from 0 to 86400');
        return n;
      },
      0,
    )
    .action(async (flags: ImportFlags, cmd: Command) => {
      registerSecrets([...secretsOf(process.env), flags.apiKey, flags.password]);
      const config = loadConfig();
      const settings = config.dashboards;
      const log = createLogger(config.logLevel, 'txpipe.dashboards', undefined, config.logFormat);
      const target = chooseTarget(flags, settings);
      if (typeof target === 'string') {
        cmd.error(`error: ${target}`, { exitCode: USAGE_EXIT, code: 'txpipe.dashboards.usage' });
        return;
      }
      const kibana = target.name === 'kibana';
      const fromSettings = kibana ? settings.kibana : settings.opensearchDashboards;
      const space = flags.space ?? (kibana ? settings.kibana.space : undefined);
      const file = flags.file ?? defaultDashboardsFile(target.name);
      try {
        const result = await importDashboards({
          target: target.name,
          url: target.url,
          file,
          space,
          apiKey: flags.apiKey ?? (kibana ? settings.kibana.apiKey : undefined),
          username: flags.username ?? fromSettings.username,
          password: flags.password ?? fromSettings.password,
          retryForMs: flags.retryFor * 1000,
          onRetry: (reason, delayMs) => log.warn(`${reason}; trying again in ${(delayMs / 1000).toFixed(0)} s`),
        });
        const label = kibana ? 'Kibana' : 'OpenSearch Dashboards';
        // Through commander's output (process.stdout by default), so a caller's configureOutput sees it.
        const write = cmd.configureOutput().writeOut ?? ((line: string) => process.stdout.write(line));
        write(
          redact(
            `imported ${result.successCount} saved objects into ${label} at ${target.url}` +
              `${space ? ` (space ${space})` : ''} from ${displayPath(file)}\n`,
          ),
        );
      } catch (err) {
        // A failed import is not a usage error: main.ts prints the one-line message and exits 1.
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(message.replace(/\s+/g, ' '), { cause: err });
      }
    });
}

/** Flags win over the settings; exactly one of the two URLs must be given. Returns the problem as a string. */
function chooseTarget(flags: ImportFlags, settings: DashboardsSettings): { name: DashboardsTarget; url: string } | string {
  let kibana = nonEmpty(flags.kibanaUrl);
  let osd = nonEmpty(flags.opensearchDashboardsUrl);
  if (kibana && osd) return 'give only one of --kibana-url and --opensearch-dashboards-url';
  if (!kibana && !osd) {
    kibana = settings.kibana.url;
    osd = settings.opensearchDashboards.url;
    if (kibana && osd) return 'KIBANA_URL and OPENSEARCH_DASHBOARDS_URL are both set: pass --kibana-url or --opensearch-dashboards-url';
  }
  if (kibana) return { name: 'kibana', url: kibana };
  if (osd) return { name: 'opensearch-dashboards', url: osd };
  return 'one of --kibana-url or --opensearch-dashboards-url is required (or KIBANA_URL / OPENSEARCH_DASHBOARDS_URL)';
}

function nonEmpty(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}
