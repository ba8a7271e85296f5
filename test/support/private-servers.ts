/**
 * Servers of a test's own, to crash and restart without touching the shared ones: a PostgreSQL cluster
 * (Debian's binaries, as scripts/services/postgres.sh uses) and a one-node Kafka (the jars `services:up`
 * fetched). Each lives in a temporary directory, on free ports, and is removed by `stop()`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Admin } from '@platformatic/kafka';
import { repoRoot } from './cli.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function pgBin(): string {
  for (const v of ['15', '16', '17']) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(`${dir}/pg_ctl`)) return dir;
  }
  throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (npm run services:up installs them)');
}

export interface PrivatePostgresOptions {
  /** Server certificate and key (PEM) for `ssl=on`; copied into the server's directory. */
  tls?: { certFile: string; keyFile: string };
  /** The postgres role's password; TCP connections then need it (scram-sha-256). */
  password?: string;
  /** TCP sessions only over TLS (pg_hba.conf `hostssl`, no `host` line); needs `tls`, not with `password`. */
  tlsOnly?: boolean;
}

export class PrivatePostgres {
  readonly url: string;
  readonly #dir: string;
  readonly #port: number;
  readonly #extra: string;
  readonly #tls: boolean;

  private constructor(dir: string, port: number, password?: string, extra = '') {
    this.#dir = dir;
    this.#port = port;
    this.#extra = extra;
    this.#tls = extra.includes('ssl=on');
    this.url = `postgres://postgres${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/postgres`;
  }

  get port(): number {
    return this.#port;
  }

  /** initdb runs as the `postgres` OS user when this is root (it refuses root). */
  #run(args: string[]): void {
    const asRoot = process.getuid?.() === 0;
    const cmd = asRoot ? 'runuser' : args[0]!;
    const argv = asRoot ? ['-u', 'postgres', '--', ...args] : args.slice(1);
    execFileSync(cmd, argv, { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
  }

  static async start(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
    const dir = mkdtempSync('/var/tmp/txpipe-test-pg-');
    const owner = (path: string) => {
      if (process.getuid?.() === 0)
        chownSync(path, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    };
    owner(dir);
    let extra = '';
    if (options.tls) {
      // The server refuses a key others can read.
      for (const [from, to] of [
        [options.tls.certFile, 'server.crt'],
        [options.tls.keyFile, 'server.key'],
      ] as const) {
        copyFileSync(from, join(dir, to));
        chmodSync(join(dir, to), 0o600);
        owner(join(dir, to));
      }
      extra = ` -c ssl=on -c ssl_cert_file=${join(dir, 'server.crt')} -c ssl_key_file=${join(dir, 'server.key')}`;
    }
    const server = new PrivatePostgres(dir, await freePort(), options.password, extra);
    const initdb = [`${pgBin()}/initdb`, '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync'];
    if (options.password) {
      writeFileSync(join(dir, 'pw'), options.password);
      owner(join(dir, 'pw'));
      initdb.push('--auth-host=scram-sha-256', `--pwfile=${join(dir, 'pw')}`);
    }
    server.#run(initdb);
    if (options.tlsOnly) {
      if (!options.tls || options.password) throw new Error('tlsOnly needs tls, and no password');
      const hba = join(dir, 'data', 'pg_hba.conf');
      writeFileSync(hba, 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n');
      owner(hba);
    }
    server.#ctl('start');
    return server;
  }

  #ctl(action: 'start' | 'restart' | 'stop'): void {
    const opts = `-p ${this.#port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=off${this.#extra}`;
    const args = [`${pgBin()}/pg_ctl`, '-D', join(this.#dir, 'data'), '-w', '-l', join(this.#dir, 'log'), '-o', opts];
    if (action === 'start') this.#run([...args, 'start']);
    else this.#run([...args, '-m', 'immediate', action]);
  }

  /** A crash-restart: every connection is cut without a goodbye, and the server recovers from its WAL. */
  restart(): void {
    this.#ctl('restart');
  }

  /** Stops the server (immediately) and holds it down until `start` is called. */
  down(): void {
    this.#ctl('stop');
  }

  up(): void {
    this.#ctl('start');
  }

  async createDatabase(name: string): Promise<string> {
    const admin = new pg.Client({ connectionString: this.url, ssl: this.#tls ? { rejectUnauthorized: false } : false });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return this.url.replace(/\/postgres$/, `/${name}`);
  }

  stop(): void {
    try {
      this.#ctl('stop');
    } catch {
      // already down
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

const kafkaJars = join(repoRoot, '.services', 'jars', 'kafka');
const kafkaLog4j = join(repoRoot, 'scripts', 'services', 'kafka-log4j2.properties');

export interface PrivateKafkaOptions {
  /**
   * A second listener needing SASL/SCRAM-SHA-256 with this user (created at format time, as KRaft
   * wants): `saslBrokers`. With `tls` it is SASL_SSL with that certificate, else SASL_PLAINTEXT.
   */
  scram?: { username: string; password: string };
  tls?: { certFile: string; keyFile: string };
}

export class PrivateKafka {
  /** The PLAINTEXT listener (what the readiness probe and the broker itself use). */
  readonly brokers: string;
  /** The SASL listener when started with `scram`. */
  readonly saslBrokers: string | undefined;
  readonly #dir: string;
  #process: ChildProcess | undefined;

  private constructor(dir: string, port: number, saslPort?: number) {
    this.#dir = dir;
    this.brokers = `127.0.0.1:${port}`;
    this.saslBrokers = saslPort ? `127.0.0.1:${saslPort}` : undefined;
  }

  #java(args: string[], heap = '256m'): string[] {
    return [
      `-Xmx${heap}`,
      '-XX:TieredStopAtLevel=1',
      '-Dtxpipe.kafka.loglevel=WARN',
      `-Dlog4j2.configurationFile=${kafkaLog4j}`,
      '-cp',
      `${kafkaJars}/*`,
      ...args,
    ];
  }

  static async start(options: PrivateKafkaOptions = {}): Promise<PrivateKafka> {
    if (!existsSync(kafkaJars)) throw new Error(`no Kafka jars at ${kafkaJars}: run npm run services:up first`);
    const dir = mkdtempSync('/tmp/txpipe-test-kafka-');
    const [port, controller] = [await freePort(), await freePort()];
    const saslPort = options.scram ? await freePort() : undefined;
    const broker = new PrivateKafka(dir, port, saslPort);
    const sasl = options.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
    const saslLines: string[] = [];
    if (options.scram) {
      saslLines.push(
        'sasl.enabled.mechanisms=SCRAM-SHA-256',
        `listener.name.${sasl.toLowerCase()}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
      );
    }
    if (options.tls) {
      // One PEM file with the (unencrypted PKCS#8) key and the certificate, as Kafka's PEM key store reads it.
      const pem = join(dir, 'broker.pem');
      writeFileSync(pem, `${readFileSync(options.tls.keyFile, 'utf8')}${readFileSync(options.tls.certFile, 'utf8')}`);
      saslLines.push(`listener.name.${sasl.toLowerCase()}.ssl.keystore.type=PEM`, `listener.name.${sasl.toLowerCase()}.ssl.keystore.location=${pem}`);
    }
    const extraListener = saslPort ? `,${sasl}://127.0.0.1:${saslPort}` : '';
    writeFileSync(
      join(dir, 'server.properties'),
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controller}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}${extraListener}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}${extraListener}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${saslPort ? `,${sasl}:${sasl}` : ''}`,
        ...saslLines,
        `log.dirs=${join(dir, 'data')}`,
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
        '',
      ].join('\n'),
    );
    const id = execFileSync('java', broker.#java(['kafka.tools.StorageTool', 'random-uuid']))
      .toString()
      .trim();
    const scram = options.scram ? ['--add-scram', `SCRAM-SHA-256=[name=${options.scram.username},password=${options.scram.password}]`] : [];
    execFileSync(
      'java',
      broker.#java(['kafka.tools.StorageTool', 'format', '-t', id, '-c', join(dir, 'server.properties'), '--ignore-formatted', ...scram]),
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    await broker.up();
    return broker;
  }

  /** Starts the broker (again) and waits until it answers metadata requests. */
  async up(): Promise<void> {
    this.#process = spawn('java', this.#java(['kafka.Kafka', join(this.#dir, 'server.properties')], '384m'), { stdio: 'ignore' });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const admin = new Admin({ clientId: 'txpipe-test-probe', bootstrapBrokers: [this.brokers], retries: 0 });
      try {
        await admin.metadata({ topics: [] });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`private Kafka at ${this.brokers} did not start`, { cause: error });
      } finally {
        await admin.close().catch(() => {});
      }
      await sleep(300);
    }
  }

  /** SIGKILL: the broker dies without a word to its clients. */
  async kill(): Promise<void> {
    const p = this.#process;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
