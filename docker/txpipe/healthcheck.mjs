// Health check for the long-running txpipe containers (ingest, generator): the servers the process
// needs accept TCP connections. txpipe has no HTTP endpoint to ask, and `txpipe status` counts rows,
// too heavy to run every few seconds. Exit 0 healthy, 1 not (one line saying why).
import net from 'node:net';

const targets = [];
const broker = process.env.KAFKA_BROKERS?.split(',')[0]?.trim();
if (broker) {
  const i = broker.lastIndexOf(':');
  targets.push({ what: 'kafka', host: broker.slice(0, i), port: Number(broker.slice(i + 1)) });
}
if (process.env.DATABASE_URL) {
  const u = new URL(process.env.DATABASE_URL);
  targets.push({ what: 'postgresql', host: u.hostname || 'localhost', port: Number(u.port || 5432) });
}

function reach({ what, host, port }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`${what} ${host}:${port}: timeout`));
    });
    socket.once('error', (err) => reject(new Error(`${what} ${host}:${port}: ${err.message}`)));
  });
}

try {
  await Promise.all(targets.map(reach));
} catch (err) {
  console.error(`unhealthy: ${err.message}`);
  process.exit(1);
}
