/**
 * Opens what a command needs from the configuration: the warehouse (PostgreSQL when DATABASE_URL is set,
 * PGlite under TXPIPE_DATA_DIR otherwise), the topic (Kafka when KAFKA_BROKERS is set, the embedded log
 * table otherwise) and the search index (when ELASTICSEARCH_URL or OPENSEARCH_URL is set).
 * Migrations run on open, so every command starts on the current schema; the read-only commands open
 * with mode 'read' instead: nothing is created or migrated, and a missing or older database is refused
 * (NoDataError).
 */
import type { Config } from './config.ts';
import type { Warehouse } from './warehouse/port.ts';
import type { EventLog } from './log/port.ts';
import type { SearchIndex } from './search/port.ts';
import type { Logger } from './observe/logger.ts';
import { openPostgresWarehouse } from './warehouse/postgres/postgres-warehouse.ts';
import { PGliteWarehouse } from './warehouse/pglite/pglite-warehouse.ts';
import { EmbeddedEventLog } from './log/embedded/embedded-log.ts';
import { migrate } from './warehouse/migrate.ts';
import { checkDataDirHasData, checkSchemaCurrent, reachWarehouse } from './warehouse/reach.ts';

/** 'write': create and migrate as needed (every command that writes); 'read': only what is there. */
export type OpenMode = 'write' | 'read';

export interface Runtime {
  config: Config;
  warehouse: Warehouse;
  log: EventLog;
  search?: SearchIndex;
  logger: Logger;
  close(): Promise<void>;
}

/** The configured warehouse, connected but not migrated. */
export async function connectWarehouse(config: Config): Promise<Warehouse> {
  return config.databaseUrl
    ? openPostgresWarehouse({ connectionString: config.databaseUrl })
    : await PGliteWarehouse.open({ dataDir: config.dataDir });
}

/**
 * The configured warehouse on the current schema: migrations applied and logged ('write'), or checked
 * to be current ('read'). PostgreSQL gets a few tries to answer first (reach.ts).
 */
export async function openWarehouse(config: Config, logger: Logger, mode: OpenMode = 'write'): Promise<Warehouse> {
  if (mode === 'read') checkDataDirHasData(config);
  const warehouse = await connectWarehouse(config);
  try {
    await reachWarehouse(warehouse, config);
    if (mode === 'read') {
      await checkSchemaCurrent(warehouse, config);
    } else {
      const result = await migrate(warehouse);
      if (result.applied.length > 0) logger.child('migrate').info(`applied ${result.applied.join(', ')}`);
    }
  } catch (err) {
    await warehouse.close();
    throw err;
  }
  return warehouse;
}

/** The topic: Kafka (no warehouse needed), or the embedded log table in `warehouse`. */
export async function openLog(config: Config, warehouse: Warehouse | undefined, logger: Logger): Promise<EventLog> {
  if (config.kafka) {
    const { KafkaEventLog } = await import('./log/kafka/kafka-log.ts');
    const kafkaLogger = logger.child('kafka');
    return new KafkaEventLog(config.kafka, (line) => kafkaLogger.info(line));
  }
  if (!warehouse) throw new Error('the embedded log lives in the warehouse: open one first');
  return new EmbeddedEventLog(warehouse, config.topic);
}

export async function openSearch(config: Config, logger: Logger): Promise<SearchIndex | undefined> {
  if (!config.search) return undefined;
  const { openSearchIndex } = await import('./search/open.ts');
  const searchLogger = logger.child(config.search.engine);
  // The adapters mark what needs attention (e.g. no ILM/ISM on the cluster) with "warning: ".
  return openSearchIndex(config.search, (line) =>
    line.startsWith('warning: ') ? searchLogger.warn(line.slice('warning: '.length)) : searchLogger.info(line),
  );
}

export async function openRuntime(config: Config, logger: Logger, mode: OpenMode = 'write'): Promise<Runtime> {
  const warehouse = await openWarehouse(config, logger, mode);
  const log = await openLog(config, warehouse, logger);
  const search = await openSearch(config, logger);
  return {
    config,
    warehouse,
    log,
    search,
    logger,
    async close() {
      await Promise.allSettled([log.close(), search?.close()]);
      await warehouse.close();
    },
  };
}
