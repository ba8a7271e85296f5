import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerHost, kafkaSecurityOptions } from '../../src/log/kafka/connection-options.ts';

const noRead = (path: string): Buffer => {
  throw new Error(`unexpected read of ${path}`);
};

test('plaintext without SASL gives no security options', () => {
  assert.deepEqual(kafkaSecurityOptions({ brokers: ['localhost:9092'] }, noRead), {});
});

test('TLS with a CA file reads it and passes rejectUnauthorized; SNI for host names', () => {
  const reads: string[] = [];
  const options = kafkaSecurityOptions(
    { brokers: ['kafka-1.example.com:9093', 'kafka-2.example.com:9093'], ssl: { ca: '/etc/ca.pem', rejectUnauthorized: true } },
    (path) => {
      reads.push(path);
      return Buffer.from('-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n');
    },
  );
  assert.deepEqual(reads, ['/etc/ca.pem']);
  assert.equal(options.tls?.rejectUnauthorized, true);
  assert.equal(String(options.tls?.ca), '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n');
  assert.equal(options.tlsServerName, true);
  assert.equal(options.sasl, undefined);
});

test('TLS without CA and rejectUnauthorized=false; no SNI when a broker is an IP address', () => {
  const options = kafkaSecurityOptions({ brokers: ['10.0.0.1:9093', 'kafka.example.com:9093'], ssl: { rejectUnauthorized: false } }, noRead);
  assert.deepEqual(options, { tls: { rejectUnauthorized: false } });
});

test('an unreadable CA file is one clear error naming the setting', () => {
  assert.throws(
    () =>
      kafkaSecurityOptions({ brokers: ['k:9093'], ssl: { ca: '/nope/ca.pem', rejectUnauthorized: true } }, () => {
        throw new Error('ENOENT: no such file or directory');
      }),
    /KAFKA_SSL_CA_FILE: cannot read \/nope\/ca\.pem: ENOENT/,
  );
});

for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  test(`SASL ${mechanism} maps mechanism, username and password`, () => {
    const options = kafkaSecurityOptions({ brokers: ['k:9092'], sasl: { mechanism, username: 'alice', password: 's3cret' } }, noRead);
    assert.deepEqual(options, { sasl: { mechanism, username: 'alice', password: 's3cret' } });
  });
}

test('SASL over TLS sets both', () => {
  const options = kafkaSecurityOptions(
    {
      brokers: ['broker.example.com:9096'],
      ssl: { ca: 'ca.pem', rejectUnauthorized: true },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
    },
    () => 'PEM',
  );
  assert.deepEqual(options, {
    tls: { rejectUnauthorized: true, ca: 'PEM' },
    tlsServerName: true,
    sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
  });
});

test('brokerHost strips the port and IPv6 brackets', () => {
  assert.equal(brokerHost('kafka:9092'), 'kafka');
  assert.equal(brokerHost('[::1]:9092'), '::1');
  assert.equal(brokerHost('127.0.0.1:59192'), '127.0.0.1');
});

test('a client certificate and key (mutual TLS) are read and passed; a missing key file is named', () => {
  const options = kafkaSecurityOptions(
    { brokers: ['k.example.com:9093'], ssl: { cert: '/c.pem', key: '/k.pem', rejectUnauthorized: true } },
    (path) => Buffer.from(`PEM ${path}`),
  );
  assert.equal(String(options.tls?.cert), 'PEM /c.pem');
  assert.equal(String(options.tls?.key), 'PEM /k.pem');
  assert.throws(
    () =>
      kafkaSecurityOptions({ brokers: ['k:9093'], ssl: { cert: '/c.pem', key: '/nope.pem', rejectUnauthorized: true } }, (path) => {
        if (path === '/nope.pem') throw new Error('ENOENT');
        return Buffer.from('x');
      }),
    /KAFKA_SSL_KEY_FILE: cannot read \/nope\.pem: ENOENT/,
  );
});
