/**
 * The least CPU an evenly pacing generator spends per request on this machine: keystorm's own
 * scheduler (src/load/waker.ts, as `keystorm load` runs it) driving raw keep-alive sockets, with
 * no HTTP client, no parsing beyond counting responses, and no recording. What keystorm spends
 * above this figure is its HTTP client and its measurements; what it spends up to it is the
 * price of starting each request on time (one wake of the process per start, one per response),
 * which a generator that sends each second's quota in a burst (autocannon's `overallRate`)
 * does not pay. Used by bench/load-throughput.ts; only for the bench's bare endpoint, whose
 * every response is one small chunk with `HTTP/1.1 ` at its start.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Waker } from '../src/load/waker.ts';

const RESPONSE_START = Buffer.from('HTTP/1.1 ');

/** Opens `connections` keep-alive sockets to `url` (before the clock starts, like a warm-up). */
async function openSockets(url: string, connections: number): Promise<Socket[]> {
  const { hostname, port } = new URL(url);
  return Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(port), hostname);
          socket.setNoDelay(true);
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
}

/**
 * Sends `rate` GET requests per second for `seconds`, each started when due (starts that find
 * every connection busy wait for one), and resolves once every response is in.
 */
export async function evenPacingFloor(
  url: string,
  rate: number,
  seconds: number,
  connections: number,
): Promise<{ requests: number; seconds: number }> {
  const sockets = await openSockets(url, connections);
  const request = Buffer.from(`GET / HTTP/1.1\r\nhost: ${new URL(url).host}\r\n\r\n`, 'latin1');
  const idle = [...sockets];
  let waiting = 0;
  let answered = 0;
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;
  const waker = new Waker(now, {}, () => idle.length === connections);
  return new Promise((resolve) => {
    let made = 0;
    const send = (): void => {
      const socket = idle.pop();
      if (socket === undefined) waiting++;
      else socket.write(request);
    };
    const step = (): void => {
      const at = now();
      while (made < total && (made * 1000) / rate <= at) {
        send();
        made++;
      }
      if (made < total) waker.at((made * 1000) / rate, step);
    };
    for (const socket of sockets) {
      socket.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(RESPONSE_START); i >= 0; i = chunk.indexOf(RESPONSE_START, i + 1))
          answered++;
        idle.push(socket);
        if (waiting > 0) {
          waiting--;
          send();
        }
        if (answered >= total) {
          waker.cancel();
          for (const s of sockets) s.destroy();
          resolve({ requests: answered, seconds: now() / 1000 });
          return;
        }
        if (idle.length === connections) waker.rearm();
        waker.poke();
      });
    }
    step();
  });
}
