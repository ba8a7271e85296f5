/**
 * Maps txpipe's Kafka security settings (TLS, SASL) to @platformatic/kafka connection options.
 * Kept apart from the adapter so the mapping is a pure, unit-testable function.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from '@platformatic/kafka';
import type { KafkaSettings } from '../../config.ts';

/** The subset of the client's ConnectionOptions txpipe sets. */
export type KafkaSecurityOptions = Pick<ConnectionOptions, 'tls' | 'tlsServerName' | 'sasl'>;

/**
 * Builds the TLS/SASL part of the client options.
 * - ssl → `tls` (CA file read through `readFile`, `rejectUnauthorized` passed as is); SNI is sent with the
 *   broker host name unless some broker is addressed by IP (Node refuses an IP as SNI server name).
 * - sasl → `sasl` with the mechanism name the client expects (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
 * Plaintext without SASL gives `{}`.
 */
export function kafkaSecurityOptions(
  settings: Pick<KafkaSettings, 'brokers' | 'ssl' | 'sasl'>,
  readFile: (path: string) => Buffer | string = (path) => readFileSync(path),
): KafkaSecurityOptions {
  const options: KafkaSecurityOptions = {};
  if (settings.ssl) {
    const tls: NonNullable<KafkaSecurityOptions['tls']> = { rejectUnauthorized: settings.ssl.rejectUnauthorized };
    for (const [what, path] of [
      ['ca', settings.ssl.ca],
      ['cert', settings.ssl.cert],
      ['key', settings.ssl.key],
    ] as const) {
      if (!path) continue;
      try {
        tls[what] = readFile(path);
      } catch (error) {
        throw new Error(`KAFKA_SSL_${what.toUpperCase()}_FILE: cannot read ${path}: ${(error as Error).message}`, { cause: error });
      }
    }
    options.tls = tls;
    const hosts = settings.brokers.map(brokerHost);
    if (hosts.length > 0 && hosts.every((host) => isIP(host) === 0)) options.tlsServerName = true;
  }
  if (settings.sasl) {
    options.sasl = {
      mechanism: settings.sasl.mechanism,
      username: settings.sasl.username,
      password: settings.sasl.password,
    };
  }
  return options;
}

/** Host part of `host:port` (IPv6 literals may be bracketed: `[::1]:9092`). */
export function brokerHost(broker: string): string {
  const colon = broker.lastIndexOf(':');
  const host = colon === -1 ? broker : broker.slice(0, colon);
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
