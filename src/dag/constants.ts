/**
 * The DAG's id and default schedule, in a module that imports nothing, so that config.ts can use the
 * schedule without loading the DAG's task modules (process-kafka-to-postgres.ts imports all three).
 */
export const DAG_ID = 'process_kafka_to_postgres';
export const DEFAULT_SCHEDULE = '@hourly';
