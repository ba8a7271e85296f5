/**
 * compose.yaml and the Dockerfile, checked offline (no Docker engine on these machines): structure,
 * wiring between services, and that every setting handed to txpipe is one txpipe actually reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const repo = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(repo, p), 'utf8');

interface Service {
  image?: string;
  build?: string | { context?: string; target?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  ports?: Array<string | number | { published?: string | number; target?: number }>;
  healthcheck?: { test?: unknown; disable?: boolean };
  profiles?: string[];
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('compose.yaml'), { merge: true }) as Compose;
/** The required variables (`${VAR:?…}`) of compose.yaml, each given a value as a .env would. */
const REQUIRED = new Set([...read('compose.yaml').matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]!));
const SAMPLE_SECRETS = Object.fromEntries([...REQUIRED].map((v) => [v, `sample${v.toLowerCase().replace(/_/g, '')}`]));
const services = compose.services;
const dockerfile = read('Dockerfile');

/** `${VAR:-default}` / `${VAR-default}` → default, `${VAR}` → '', `${VAR:?msg}` → `secrets[VAR]`: what compose uses with this .env. */
function interpolate(s: string, secrets: Record<string, string> = SAMPLE_SECRETS): string {
  return s.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*)|:?\?([^}]*))?\}/g, (_m, name: string, def: string | undefined, required: string | undefined) =>
    required !== undefined ? (secrets[name] ?? `<${name} unset>`) : (def ?? ''),
  );
}

function envOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((kv) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function dependsOn(s: Service): Record<string, { condition?: string }> {
  const d = s.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, {}])) : d;
}

function buildTarget(s: Service): string | undefined {
  return typeof s.build === 'object' ? s.build.target : undefined;
}

function argv(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(' ') : (v ?? '');
}

/** The names src/config.ts's zod schema reads, parsed from the source so this test follows the code. */
function configKeys(): Set<string> {
  const src = read('src/config.ts');
  const start = src.indexOf('const schema = z.object({');
  assert.ok(start >= 0, 'src/config.ts: `const schema = z.object({` not found');
  const end = src.indexOf('\n});', start);
  const keys = [...src.slice(start, end).matchAll(/^\s+([A-Z][A-Z0-9_]*)\s*:/gm)].map((m) => m[1]!);
  assert.ok(keys.length > 10, `too few config keys parsed: ${keys.join(', ')}`);
  return new Set(keys);
}

/** TXPIPE_* settings the Airflow DAG reads itself (TXPIPE_CMD, TXPIPE_CATCHUP, …), parsed from the DAG. */
function dagKeys(): Set<string> {
  const dir = join(repo, 'airflow', 'dags');
  if (!existsSync(dir)) return new Set();
  const names = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.py'))) {
    // os.environ.get("TXPIPE_X"), _env_bool("TXPIPE_X", …) and ${TXPIPE_X:-…} in the bash command
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/(?:["']|\$\{)(TXPIPE_[A-Z0-9_]+)(?:["':}]|:-)/g)) names.add(m[1]!);
  }
  return names;
}

/** Services that run the txpipe app: built from this repository's Dockerfile. */
const appServices = Object.entries(services).filter(([, s]) => buildTarget(s) === 'txpipe' || buildTarget(s) === 'airflow');
const oneShot = (name: string, s: Service) =>
  s.restart === 'no' || Object.values(services).some((o) => dependsOn(o)[name]?.condition === 'service_completed_successfully');

test('compose.yaml parses and every service has an image or a build', () => {
  assert.ok(Object.keys(services).length > 0);
  for (const [name, s] of Object.entries(services)) {
    assert.ok(s.image || s.build, `${name}: needs image or build`);
  }
});

test('the stack has the pieces of the seed design', () => {
  for (const name of [
    'postgres',
    'kafka',
    'elasticsearch',
    'kibana',
    'txpipe-migrate',
    'txpipe-ingest',
    'txpipe-generator',
    'txpipe-dashboards',
    'airflow-init',
    'airflow-apiserver',
    'airflow-scheduler',
    'airflow-dag-processor',
  ]) {
    assert.ok(services[name], `service ${name} missing`);
  }
  // The versions the tests run on the real servers (scripts/services), so the stack is what was tested.
  const testedPostgres = /for d in \/usr\/lib\/postgresql\/(\d+)\/bin/.exec(read('scripts/services/postgres.sh'))?.[1];
  assert.ok(testedPostgres, 'scripts/services/postgres.sh names the PostgreSQL major it prefers');
  assert.equal(interpolate(services.postgres!.image!), `postgres:${testedPostgres}`);
  const testedKafka = /<kafka\.version>([\d.]+)<\/kafka\.version>/.exec(read('scripts/services/maven/kafka/pom.xml'))?.[1];
  assert.ok(testedKafka);
  assert.equal(interpolate(services.kafka!.image!), `apache/kafka:${testedKafka}`);
  const testedEs = /<artifactId>elasticsearch<\/artifactId>\s*<version>([\d.]+)<\/version>|<version>(8\.\d+\.\d+)<\/version>/.exec(
    read('scripts/services/maven/elasticsearch/pom.xml'),
  );
  const esPinned = testedEs?.[1] ?? testedEs?.[2];
  assert.ok(esPinned, 'scripts/services/maven/elasticsearch/pom.xml pins an Elasticsearch version');
  // Kibana must run the same version as Elasticsearch.
  const esVersion = /elasticsearch:((8|9)\.\d+\.\d+)$/.exec(interpolate(services.elasticsearch!.image!))?.[1];
  assert.equal(esVersion, esPinned, 'Elasticsearch image = the version the tests run');
  assert.equal(/kibana:(\S+)$/.exec(interpolate(services.kibana!.image!))?.[1], esVersion, 'Kibana version = Elasticsearch version');
  assert.equal(envOf(services.elasticsearch!)['discovery.type'], 'single-node');
  assert.equal(envOf(services.kafka!).KAFKA_PROCESS_ROLES, 'broker,controller', 'KRaft, no ZooKeeper');
});

test('txpipe runs ingest --follow, migrate and the Kibana import; the generator is behind a profile', () => {
  assert.equal(argv(services['txpipe-ingest']!.command), 'ingest --follow');
  assert.equal(argv(services['txpipe-migrate']!.command), 'migrate');
  assert.match(argv(services['txpipe-dashboards']!.command), /^dashboards import --kibana-url http:\/\/kibana:5601 --retry-for [1-9]\d*$/);
  assert.deepEqual(services['txpipe-generator']!.profiles, ['generator']);
  assert.match(argv(services['txpipe-generator']!.command), /txpipe generate --count/);
  assert.equal(dependsOn(services['txpipe-dashboards']!).kibana?.condition, 'service_healthy');
  assert.equal(dependsOn(services['txpipe-ingest']!)['txpipe-migrate']?.condition, 'service_completed_successfully');
});

test('Airflow 3: api-server, scheduler and dag-processor on LocalExecutor, metadata in database airflow', () => {
  assert.equal(argv(services['airflow-apiserver']!.command), 'api-server');
  assert.equal(argv(services['airflow-scheduler']!.command), 'scheduler');
  assert.equal(argv(services['airflow-dag-processor']!.command), 'dag-processor');
  for (const name of ['airflow-init', 'airflow-apiserver', 'airflow-scheduler', 'airflow-dag-processor']) {
    const env = envOf(services[name]!);
    assert.equal(buildTarget(services[name]!), 'airflow', `${name}: the airflow image (with txpipe inside)`);
    assert.equal(env.AIRFLOW__CORE__EXECUTOR, 'LocalExecutor');
    assert.match(interpolate(env.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN ?? ''), /^postgresql\+psycopg2:\/\/airflow:[^@]*@postgres:5432\/airflow$/);
    assert.match(env.AIRFLOW__CORE__EXECUTION_API_SERVER_URL ?? '', /^http:\/\/airflow-apiserver:8080\/execution\/$/);
    assert.equal(env.TXPIPE_CMD, 'txpipe');
    assert.ok(env.DATABASE_URL && env.ELASTICSEARCH_URL, `${name}: DATABASE_URL and ELASTICSEARCH_URL for the tasks`);
  }
  const init = readdirSync(join(repo, 'docker', 'postgres', 'initdb'))
    .map((f) => read(join('docker', 'postgres', 'initdb', f)))
    .join('\n');
  assert.match(init, /CREATE DATABASE/);
  assert.ok(
    (services.postgres!.volumes ?? []).some((v) => typeof v === 'string' && v.startsWith('./docker/postgres/initdb:/docker-entrypoint-initdb.d')),
    'postgres runs docker/postgres/initdb',
  );
  assert.match(read('docker/airflow/init.sh'), /airflow db migrate/);
  assert.match(argv(services['airflow-init']!.command), /txpipe-airflow-init/);
});

test('every depends_on names an existing service with a valid condition', () => {
  const valid = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
  for (const [name, s] of Object.entries(services)) {
    for (const [dep, spec] of Object.entries(dependsOn(s))) {
      assert.ok(services[dep], `${name} depends on unknown service ${dep}`);
      assert.ok(spec.condition && valid.has(spec.condition), `${name} -> ${dep}: condition ${spec.condition}`);
      if (spec.condition === 'service_healthy')
        assert.ok(services[dep]!.healthcheck, `${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      if (spec.condition === 'service_completed_successfully') assert.equal(services[dep]!.restart, 'no', `${dep} is a one-shot: restart "no"`);
      assert.ok(!services[dep]!.profiles || s.profiles, `${name} depends on ${dep}, which only runs under a profile`);
    }
  }
});

test('every long-running service has a health check', () => {
  for (const [name, s] of Object.entries(services)) {
    if (oneShot(name, s)) continue;
    assert.ok(s.healthcheck?.test && !s.healthcheck.disable, `${name}: long-running, needs a healthcheck`);
  }
});

test('every named volume used is declared, and every declared one is used', () => {
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const used = new Set<string>();
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0]! : v.type === 'volume' || v.type === undefined ? (v.source ?? '') : '';
      if (source === '' || /^[./~$]/.test(source)) continue; // bind mount or anonymous
      used.add(source);
      assert.ok(declared.has(source), `${name}: volume ${source} is not declared under volumes:`);
    }
  }
  assert.deepEqual([...declared].sort(), [...used].sort());
});

test('every setting a txpipe service gets is one txpipe reads (src/config.ts) or a known non-txpipe one', () => {
  const keys = configKeys();
  const dag = dagKeys();
  const foreign = /^(AIRFLOW__|AIRFLOW_CONN_|AIRFLOW_VAR_|_AIRFLOW_|AIRFLOW_ADMIN_PASSWORD$|NODE_|TZ$)/;
  // Names that look like txpipe settings must be real ones: a typo here would be silently ignored.
  const txpipeLike = /^(TXPIPE_|DATABASE_|KAFKA_|ELASTICSEARCH_|OPENSEARCH_|SEARCH_)/;
  assert.ok(appServices.length >= 5);
  for (const [name, s] of appServices) {
    for (const key of Object.keys(envOf(s))) {
      if (keys.has(key) || dag.has(key)) continue;
      assert.ok(!txpipeLike.test(key), `${name}: ${key} looks like a txpipe setting but src/config.ts does not read it`);
      assert.ok(foreign.test(key), `${name}: ${key} is neither a txpipe setting nor a known Airflow/Node one`);
    }
  }
  for (const must of ['DATABASE_URL', 'KAFKA_BROKERS', 'TXPIPE_TOPIC', 'ELASTICSEARCH_URL', 'TXPIPE_INDEX', 'TXPIPE_LOG_LEVEL']) {
    assert.ok(keys.has(must), `src/config.ts no longer reads ${must}: update compose.yaml`);
  }
});

test('txpipe settings hold values src/config.ts accepts', () => {
  for (const [name, s] of appServices) {
    const env = Object.fromEntries(Object.entries(envOf(s)).map(([k, v]) => [k, interpolate(v)]));
    if (env.DATABASE_URL) assert.match(env.DATABASE_URL, /^postgres(ql)?:\/\/[^@]+@postgres:5432\/\w+$/, `${name}: DATABASE_URL`);
    if (env.ELASTICSEARCH_URL) assert.equal(env.ELASTICSEARCH_URL, 'http://elasticsearch:9200', `${name}: ELASTICSEARCH_URL`);
    if (env.TXPIPE_LOG_LEVEL) assert.match(env.TXPIPE_LOG_LEVEL, /^(debug|info|warn|error|silent)$/);
    if (env.TXPIPE_INDEX) assert.match(env.TXPIPE_INDEX, /^[a-z0-9._-]{1,200}$/);
    if (env.TXPIPE_TOPIC_PARTITIONS) assert.match(env.TXPIPE_TOPIC_PARTITIONS, /^[1-9]\d*$/);
  }
});

test('KAFKA_BROKERS points at the kafka service on its internal listener', () => {
  const kenv = envOf(services.kafka!);
  const internal = kenv.KAFKA_INTER_BROKER_LISTENER_NAME ?? 'PLAINTEXT';
  const advertised = Object.fromEntries(
    interpolate(kenv.KAFKA_ADVERTISED_LISTENERS ?? '')
      .split(',')
      .map((l) => {
        const m = /^([A-Z_]+):\/\/([^:]+):(\d+)$/.exec(l.trim());
        assert.ok(m, `KAFKA_ADVERTISED_LISTENERS entry ${l}`);
        return [m[1]!, { host: m[2]!, port: m[3]! }];
      }),
  );
  const listener = advertised[internal];
  assert.ok(listener, `no advertised ${internal} listener`);
  assert.equal(listener.host, 'kafka', 'the internal listener advertises the service name');
  assert.match(kenv.KAFKA_LISTENERS ?? '', new RegExp(`${internal}://[^,]*:${listener.port}(,|$)`));
  let users = 0;
  for (const [name, s] of appServices) {
    const brokers = envOf(s).KAFKA_BROKERS;
    if (brokers === undefined) continue;
    users++;
    assert.equal(interpolate(brokers), `kafka:${listener.port}`, `${name}: KAFKA_BROKERS`);
  }
  assert.ok(users >= 2, 'ingest and generator get KAFKA_BROKERS');
});

test('no host port is published twice', () => {
  const seen = new Map<string, string>();
  for (const [name, s] of Object.entries(services)) {
    for (const p of s.ports ?? []) {
      let published: string;
      if (typeof p === 'object') published = String(p.published ?? '');
      else {
        const parts = interpolate(String(p)).split(':');
        published = parts.length >= 2 ? parts[parts.length - 2]! : '';
      }
      if (!published) continue;
      assert.ok(!seen.has(published), `host port ${published} published by ${seen.get(published)} and ${name}`);
      seen.set(published, name);
    }
  }
  assert.ok(seen.size >= 5);
});

test('the Dockerfile builds the txpipe and airflow targets with the app inside', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)\s*$/gim)].map((m) => ({ from: m[1]!, name: m[2]! }));
  const names = stages.map((s) => s.name);
  assert.ok(names.includes('txpipe'), 'FROM … AS txpipe');
  assert.ok(names.includes('airflow'), 'FROM … AS airflow');
  const args = Object.fromEntries([...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
  const base = (name: string) => stages.find((s) => s.name === name)!.from.replace(/^\$\{(\w+)\}$/, (_m, a: string) => args[a] ?? '');
  assert.match(base('txpipe'), /^node:24-slim$/);
  assert.match(base('airflow'), /^apache\/airflow:3\./);
  for (const target of ['txpipe', 'airflow']) {
    const start = dockerfile.search(new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${target}\\s*$`, 'im'));
    const rest = dockerfile.slice(start + 1);
    const next = rest.search(/^FROM\s/m);
    const body = next < 0 ? rest : rest.slice(0, next);
    for (const dir of ['src', 'sql', 'dashboards', 'airflow']) {
      assert.match(body, new RegExp(`^COPY\\s+(--\\S+\\s+)*${dir}\\s`, 'm'), `${target}: COPY ${dir}/`);
    }
    assert.match(body, /^COPY\s+(--\S+\s+)*package\.json package-lock\.json\s/m, `${target}: package files`);
    assert.match(body, /node_modules/, `${target}: production node_modules`);
    assert.match(body, /docker\/txpipe\/txpipe \/usr\/local\/bin\/txpipe/, `${target}: txpipe launcher on PATH`);
  }
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /COPY --from=\S+ \/usr\/local\/bin\/node \/usr\/local\/bin\/node/, 'airflow image gets Node 24');
  assert.match(read('docker/txpipe/txpipe'), /exec node .*src\/cli\/main\.ts "\$@"/);
  // The image's wrapper runs the CLI with the same V8 flags as its shebang (young generation, heap cap, GC threads).
  const shebangFlags = read('src/cli/main.ts')
    .split('\n')[0]!
    .match(/--[a-z0-9-]+=\S+/g);
  const wrapperLine = /^exec node (.*) \/opt/m.exec(read('docker/txpipe/txpipe'));
  assert.ok(wrapperLine, 'docker/txpipe/txpipe execs node');
  const wrapperFlags = wrapperLine[1]!.match(/--(?:max|v8)[a-z0-9-]*=\S+/g);
  assert.ok(shebangFlags && shebangFlags.length >= 3);
  assert.deepEqual(wrapperFlags, shebangFlags);
  const arenas = /MALLOC_ARENA_MAX=(\d+)/;
  assert.equal(read('docker/txpipe/txpipe').match(arenas)?.[1], read('src/cli/main.ts').split('\n')[0]!.match(arenas)?.[1]);
  for (const f of ['docker/txpipe/txpipe', 'docker/txpipe/healthcheck.mjs', 'docker/airflow/init.sh']) assert.ok(existsSync(join(repo, f)), f);
  assert.ok(existsSync(join(repo, '.dockerignore')));
  assert.doesNotMatch(read('.dockerignore'), /^(src|sql|dashboards|airflow|docker)\/?$/m, '.dockerignore must keep what the images copy');
});

test('.env.example documents every variable compose.yaml interpolates, and leaves every secret empty', () => {
  const example = read('.env.example');
  const used = new Set([...read('compose.yaml').matchAll(/(?<!\$)\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
  const documented = new Map([...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const v of used) assert.ok(documented.has(v), `${v} is used in compose.yaml but not in .env.example`);
  for (const v of REQUIRED) assert.equal(documented.get(v), '', `${v}: a secret, to be chosen, not shipped`);
});

test('every secret comes from .env with no default: passwords, keys, the login', () => {
  const text = read('compose.yaml');
  for (const v of [
    'POSTGRES_PASSWORD',
    'AIRFLOW_DB_PASSWORD',
    'AIRFLOW_ADMIN_PASSWORD',
    'AIRFLOW_JWT_SECRET',
    'AIRFLOW_SECRET_KEY',
    'AIRFLOW_FERNET_KEY',
  ]) {
    assert.ok(REQUIRED.has(v), `${v} must be \${${v}:?…}`);
    assert.doesNotMatch(text, new RegExp(`\\$\\{${v}:?-`), `${v} has a default`);
  }
  // No variable named like a secret has a default anywhere, and no well-known value is written out.
  for (const m of text.matchAll(/\$\{([A-Z0-9_]+):?-([^}]*)\}/g))
    assert.doesNotMatch(m[1]!, /PASSWORD|SECRET|TOKEN|API_KEY|FERNET/, `${m[1]} has a default`);
  assert.doesNotMatch(text, /change-me|:admin@|txpipe:txpipe@|airflow:airflow@/);
  // Every secret reaches the services that need it: the one URL-embedded password is the .env one.
  for (const [name, s] of appServices) {
    const url = envOf(s).DATABASE_URL;
    if (url) assert.equal(new URL(interpolate(url)).password, SAMPLE_SECRETS.POSTGRES_PASSWORD, `${name}: DATABASE_URL password`);
  }
  assert.equal(interpolate(envOf(services.postgres!).POSTGRES_PASSWORD ?? ''), SAMPLE_SECRETS.POSTGRES_PASSWORD);
  assert.match(read('.dockerignore'), /^\.env$/m, '.env stays out of the build context');
  assert.match(read('.gitignore'), /^\.env$/m, '.env stays out of git');
  assert.match(read('docker/postgres/initdb/10-airflow-database.sh'), /AIRFLOW_DB_PASSWORD:\?/, 'the init script has no default password either');
});

test('every port is published on 127.0.0.1 unless TXPIPE_BIND_ADDRESS says otherwise', () => {
  let published = 0;
  for (const [name, s] of Object.entries(services)) {
    for (const p of s.ports ?? []) {
      assert.equal(typeof p, 'string', `${name}: ports in the short form host_ip:host:container`);
      const parts = interpolate(String(p)).split(':');
      assert.equal(parts.length, 3, `${name}: ${p} names the host interface`);
      assert.equal(parts[0], '127.0.0.1', `${name}: ${p}`);
      assert.match(String(p), /^\$\{TXPIPE_BIND_ADDRESS:-127\.0\.0\.1\}:/);
      published++;
    }
  }
  assert.equal(published, 5, 'PostgreSQL, Kafka, Elasticsearch, Kibana, Airflow');
});

test("Kibana's health check reads the overall level, not any component's", () => {
  const check = argv(services.kibana!.healthcheck!.test as string[]);
  assert.match(check, /\/api\/status/);
  // The grep pattern as the shell gets it: try it on both shapes of /api/status.
  const pattern = /grep -Eq '([^']+)'/.exec(check)?.[1];
  assert.ok(pattern, check);
  const re = new RegExp(pattern.replace(/\\\{/g, '\\{'));
  const degraded = '{"status":{"overall":{"level":"degraded","summary":"1 service is degraded"},"core":{"elasticsearch":{"level":"available"}}}}';
  const available =
    '{"status":{"overall":{"level":"available","summary":"All services and plugins are available"},"core":{"elasticsearch":{"level":"available"}}}}';
  assert.equal(re.test(degraded), false, 'a component available while the whole is degraded is not healthy');
  assert.equal(re.test(available), true);
});

test("the Airflow image's Python is the one airflow/constraints.txt was frozen on, and installs requirements under it", () => {
  const frozen = /Python (\d+\.\d+)/.exec(read('airflow/constraints.txt'))?.[1];
  assert.ok(frozen, 'airflow/constraints.txt says its Python');
  const image = /^ARG AIRFLOW_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
  assert.ok(image);
  const airflow = /^apache-airflow==(\S+)$/m.exec(read('airflow/requirements.txt'))?.[1];
  assert.equal(image, `apache/airflow:${airflow}-python${frozen}`, 'the image is the pinned Airflow on the constraints Python');
  assert.match(dockerfile, /pip install --no-cache-dir -r \/opt\/txpipe\/airflow\/requirements\.txt -c \/opt\/txpipe\/airflow\/constraints\.txt/);
});

test('the README and compose.yaml give the same start command', () => {
  const composeCmd = /^#\s+(docker compose up[^#\n]*?)\s+#/m.exec(read('compose.yaml'))?.[1];
  assert.equal(composeCmd, 'docker compose up -d --build');
  const readme = read('README.md');
  for (const m of readme.matchAll(/`(docker compose[^`]*\bup\b[^`]*)`/g))
    assert.match(m[1]!, /^docker compose (--profile \w+ )?up -d --build$/, m[1]);
  assert.match(readme, /cp \.env\.example \.env/);
  assert.match(readme, /8 GB/, 'the README says how much memory the stack needs');
});
