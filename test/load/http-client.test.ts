import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient } from '../../src/load/http-client.ts';
import type { Flight, HttpClientOptions } from '../../src/load/http-client.ts';
import type { ErrorClass } from '../../src/load/types.ts';

interface Ended {
  status: number;
  error: ErrorClass | undefined;
}

class TestFlight implements Flight {
  sentAt = -1;
  ends = 0;
  ended: Ended | undefined;
  readonly done: Promise<Ended>;
  resolve: (ended: Ended) => void = () => undefined;

  constructor(
    readonly id: number,
    public method: string,
    public path: string,
    public headers: Record<string, string> | undefined = undefined,
    public body: string | Uint8Array | undefined = undefined,
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }
}

interface Harness {
  client: HttpClient<TestFlight>;
  flights: TestFlight[];
  send(
    path: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array },
  ): TestFlight;
  get(path: string): Promise<Ended>;
}

function harness(url: string, options: Partial<HttpClientOptions> = {}): Harness {
  const flights: TestFlight[] = [];
  const client = new HttpClient<TestFlight>(
    url,
    { connections: 1, timeoutMs: 5000, ...options },
    (f, status, error) => {
      f.ends++;
      f.ended = { status, error };
      f.resolve(f.ended);
    },
  );
  const send: Harness['send'] = (path, init = {}) => {
    const flight = new TestFlight(flights.length, init.method ?? 'GET', path, init.headers, init.body);
    flights.push(flight);
    client.send(flight);
    return flight;
  };
  return { client, flights, send, get: (path) => send(path).done };
}

/** Runs `test` with a harness on `server`, then closes the client and the server. */
async function withHarness(
  server: Server,
  test: (h: Harness) => Promise<void>,
  options: Partial<HttpClientOptions> = {},
): Promise<void> {
  const h = harness(server.url, options);
  try {
    await test(h);
  } finally {
    await h.client.close();
    await server.close();
  }
}

interface Server {
  url: string;
  port: number;
  /** Every TCP connection the server accepted, in order. */
  sockets: Socket[];
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<Server> {
  const sockets: Socket[] = [];
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function httpServer(handler: http.RequestListener): Promise<Server> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  return listen(server);
}

/**
 * A raw TCP server: `onRequest` is called with the socket and the request number on that
 * socket each time a request head (ending in an empty line) arrives; requests have no body.
 */
function rawServer(onRequest: (socket: Socket, n: number, head: string) => void): Promise<Server> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let buffered = '';
    let n = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        onRequest(socket, n++, head);
      }
    });
  });
  return listen(server);
}

/** Writes `text` a few bytes at a time, each piece its own TCP write. */
async function dribble(socket: Socket, text: string, size = 1): Promise<void> {
  for (let i = 0; i < text.length && !socket.destroyed; i += size) {
    socket.write(text.slice(i, i + size), 'latin1');
    await sleep(1);
  }
}

async function allClosed(sockets: readonly Socket[]): Promise<void> {
  for (const socket of sockets) {
    if (!socket.closed) await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('HTTP client, http: origins (lean HTTP/1.1)', () => {
  it('passes statuses through', async () => {
    const server = await httpServer((req, res) => {
      res.statusCode = Number(req.url?.slice(1));
      res.end('body');
    });
    await withHarness(server, async (h) => {
      for (const status of [200, 401, 403, 503])
        assert.deepEqual(await h.get(`/${status}`), { status, error: undefined });
      assert.equal(server.sockets.length, 1, 'one keep-alive connection for all four');
    });
  });

  it('reads content-length, chunked and close-delimited bodies split across many tiny writes', async () => {
    const chunked =
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n' +
      '5;ext=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-trailer: yes\r\n\r\n';
    const server = await rawServer((socket, n) => {
      if (n === 0) void dribble(socket, chunked);
      else if (n === 1)
        void dribble(socket, 'HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\n0123456789', 3);
      else void dribble(socket, 'HTTP/1.1 201 Created\r\n\r\nuntil close', 4).then(() => socket.end());
    });
    await withHarness(server, async (h) => {
      assert.deepEqual(await h.get('/chunked'), { status: 200, error: undefined });
      assert.deepEqual(await h.get('/length'), { status: 202, error: undefined });
      assert.deepEqual(await h.get('/until-close'), { status: 201, error: undefined });
      assert.equal(server.sockets.length, 1, 'framed bodies left the connection reusable');
      // The close-delimited response used the connection up: the next request reconnects.
      assert.deepEqual(await h.get('/again'), { status: 200, error: undefined });
      assert.equal(server.sockets.length, 2);
    });
  });

  it('expects no body after HEAD, 204 and 304, and keeps the connection', async () => {
    const server = await rawServer((socket, n, head) => {
      const status = head.startsWith('HEAD') ? 200 : n === 1 ? 204 : n === 2 ? 304 : 200;
      // A length is announced every time; only the last response really has a body.
      socket.write(`HTTP/1.1 ${status} X\r\ncontent-length: 4\r\n\r\n${n === 3 ? 'body' : ''}`);
    });
    await withHarness(server, async (h) => {
      assert.deepEqual(await h.send('/', { method: 'HEAD' }).done, { status: 200, error: undefined });
      assert.deepEqual(await h.get('/'), { status: 204, error: undefined });
      assert.deepEqual(await h.get('/'), { status: 304, error: undefined });
      assert.deepEqual(await h.get('/'), { status: 200, error: undefined });
      assert.equal(server.sockets.length, 1);
    });
  });

  it('skips 100 Continue and 103 Early Hints before the final status', async () => {
    const server = await rawServer((socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      setTimeout(() => {
        socket.write('HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n');
        setTimeout(() => socket.write('HTTP/1.1 401 Unauthorized\r\ncontent-length: 2\r\n\r\nno'), 5);
      }, 5);
    });
    await withHarness(server, async (h) => {
      assert.deepEqual(await h.get('/'), { status: 401, error: undefined });
    });
  });

  it('closes after connection: close and reconnects for the next request', async () => {
    const server = await httpServer((req, res) => {
      if (req.url === '/bye') res.setHeader('connection', 'close');
      res.end('ok');
    });
    await withHarness(server, async (h) => {
      assert.deepEqual(await h.get('/bye'), { status: 200, error: undefined });
      assert.deepEqual(await h.get('/next'), { status: 200, error: undefined });
      assert.deepEqual(await h.get('/next'), { status: 200, error: undefined });
      assert.equal(server.sockets.length, 2);
    });
  });

  it('does not fail the next request when the server closed the idle connection before it', async () => {
    const server = await httpServer((_req, res) => res.end('ok'));
    await withHarness(server, async (h) => {
      assert.deepEqual(await h.get('/'), { status: 200, error: undefined });
      const [first] = server.sockets;
      first?.destroy();
      await sleep(50);
      assert.deepEqual(await h.get('/'), { status: 200, error: undefined });
      assert.equal(server.sockets.length, 2);
    });
  });

  it('fails a response cut off by a reset or a close as reset, without retrying it', async () => {
    const server = await rawServer((socket, n) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
      setTimeout(
        () => (n === 0 && server.sockets.length === 1 ? socket.resetAndDestroy() : socket.end()),
        10,
      );
    });
    await withHarness(server, async (h) => {
      assert.deepEqual(await h.get('/'), { status: 0, error: 'reset' });
      assert.deepEqual(await h.get('/'), { status: 0, error: 'reset' });
      assert.equal(server.sockets.length, 2, 'one connection per request: nothing was sent twice');
    });
  });

  it('fails a request whose connection dies before any response byte as reset, sent once', async () => {
    let heard = 0;
    const server = await rawServer((socket) => {
      heard++;
      if (heard === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    await withHarness(server, async (h) => {
      assert.deepEqual(await h.get('/'), { status: 200, error: undefined });
      assert.deepEqual(await h.get('/'), { status: 0, error: 'reset' });
      await sleep(50);
      assert.equal(heard, 2, 'the failed request was not sent again');
    });
  });

  it('reports a refused connection as refused', async () => {
    const h = harness(`http://127.0.0.1:${await freePort()}`);
    try {
      assert.deepEqual(await h.get('/'), { status: 0, error: 'refused' });
    } finally {
      await h.client.close();
    }
  });

  it('times out a request the server never answers and closes its connection', async () => {
    let heard = 0;
    const server = await rawServer(() => heard++);
    await withHarness(
      server,
      async (h) => {
        const began = performance.now();
        assert.deepEqual(await h.get('/'), { status: 0, error: 'timeout' });
        const took = performance.now() - began;
        assert.ok(took >= 140 && took < 2000, `ended after ${took} ms`);
        assert.equal(heard, 1);
        await allClosed(server.sockets);
      },
      { timeoutMs: 150 },
    );
  });

  it('refuses header and path injection without throwing or sending anything', async () => {
    const heads: string[] = [];
    const server = await rawServer((socket, _n, head) => {
      heads.push(head);
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
    await withHarness(
      server,
      async (h) => {
        const attempts = [
          h.send('/', { headers: { 'x-a': 'b\r\nx-evil: 1' } }),
          h.send('/', { headers: { 'x-a': 'b\nx-evil: 1' } }),
          h.send('/', { headers: { 'x-a': 'b\0' } }),
          h.send('/', { headers: { 'x-a\r\nx-evil': '1' } }),
          h.send('/ HTTP/1.1\r\nx-evil: 1\r\n\r\nGET /'),
          h.send('/a\nb'),
          h.send('/a b'),
          h.send('/', { method: 'GET /evil' }),
        ];
        for (const flight of attempts) assert.deepEqual(await flight.done, { status: 0, error: 'other' });
        assert.deepEqual(await h.get('/fine'), { status: 200, error: undefined });
        assert.equal(heads.length, 1);
        assert.ok(heads[0]?.startsWith('GET /fine HTTP/1.1\r\nhost: 127.0.0.1:'), heads[0]);
        assert.ok(!heads.join('').includes('evil'));
      },
      { connections: 2 },
    );
  });

  it('sends string and binary bodies with their byte length', async () => {
    const received: { method: string; length: string | undefined; body: Buffer }[] = [];
    const server = await httpServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          length: req.headers['content-length'],
          body: Buffer.concat(parts),
        });
        res.end();
      });
    });
    const h = harness(server.url);
    const binary = new Uint8Array([0, 13, 10, 255, 128, 1]);
    try {
      await h.send('/', { method: 'POST', body: 'plain ascii' }).done;
      await h.send('/', { method: 'PUT', body: 'héllo ✓', headers: { 'content-length': '1' } }).done;
      await h.send('/', { method: 'POST', body: binary }).done;
      await h.send('/', { method: 'POST' }).done;
      assert.deepEqual(
        received.map((r) => [r.method, r.length, r.body.toString('hex')]),
        [
          ['POST', '11', Buffer.from('plain ascii').toString('hex')],
          ['PUT', '10', Buffer.from('héllo ✓').toString('hex')],
          ['POST', '6', Buffer.from(binary).toString('hex')],
          ['POST', '0', ''],
        ],
      );
    } finally {
      await h.client.close();
      await server.close();
    }
  });

  it('keeps FIFO order over few connections and ends every flight exactly once', async () => {
    const arrivals: number[] = [];
    const server = await httpServer((req, res) => {
      arrivals.push(Number(req.url?.slice(1)));
      setTimeout(() => res.end('ok'), arrivals.length % 3);
    });
    await withHarness(
      server,
      async (h) => {
        const flights = Array.from({ length: 300 }, (_, i) => h.send(`/${i}`));
        assert.equal(h.client.waiting, 297);
        await Promise.all(flights.map((f) => f.done));
        await sleep(20);
        for (const f of flights) {
          assert.equal(f.ends, 1);
          assert.deepEqual(f.ended, { status: 200, error: undefined });
        }
        for (let i = 1; i < flights.length; i++) {
          assert.ok(
            (flights[i]?.sentAt ?? 0) >= (flights[i - 1]?.sentAt ?? 0),
            `flight ${i} left the queue early`,
          );
        }
        assert.equal(arrivals.length, 300);
        assert.equal(server.sockets.length, 3);
        assert.equal(h.client.waiting, 0);
      },
      { connections: 3 },
    );
  });

  it('closes a connection left idle longer than keepAliveTimeoutMs, and reconnects after', async () => {
    const server = await httpServer((_req, res) => res.end('ok'));
    await withHarness(
      server,
      async (h) => {
        assert.deepEqual(await h.get('/'), { status: 200, error: undefined });
        await allClosed(server.sockets);
        assert.deepEqual(await h.get('/'), { status: 200, error: undefined });
        assert.equal(server.sockets.length, 2);
      },
      { timeoutMs: 400, keepAliveTimeoutMs: 100 },
    );
  });

  it('destroy() ends queued and on-the-wire flights once as aborted and closes every socket', async () => {
    let heard = 0;
    const server = await rawServer(() => heard++);
    const h = harness(server.url, { connections: 2 });
    try {
      const flights = Array.from({ length: 5 }, (_, i) => h.send(`/${i}`));
      while (heard < 2) await sleep(5);
      await h.client.destroy();
      for (const f of flights) assert.deepEqual(f.ended, { status: 0, error: 'aborted' });
      assert.deepEqual(
        flights.map((f) => f.ends),
        [1, 1, 1, 1, 1],
      );
      await allClosed(server.sockets);
      assert.deepEqual(await h.get('/late'), { status: 0, error: 'aborted' });
      assert.equal(heard, 2);
    } finally {
      await server.close();
    }
  });

  it('close() lets queued and on-the-wire requests finish, then closes the sockets', async () => {
    const server = await httpServer((_req, res) => setTimeout(() => res.end('ok'), 20));
    const h = harness(server.url, { connections: 2 });
    try {
      const flights = Array.from({ length: 6 }, (_, i) => h.send(`/${i}`));
      await h.client.close();
      for (const f of flights) assert.deepEqual(f.ended, { status: 200, error: undefined });
      await allClosed(server.sockets);
      assert.equal(server.sockets.length, 2);
    } finally {
      await server.close();
    }
  });
});

describe('HTTP client, https: origins (undici) keep the same contract', () => {
  it('reports a refused connection as refused', async () => {
    const h = harness(`https://127.0.0.1:${await freePort()}`);
    try {
      assert.deepEqual(await h.get('/'), { status: 0, error: 'refused' });
    } finally {
      await h.client.close();
    }
  });

  it('times out a handshake that never completes, and destroy() aborts the rest once', async () => {
    const server = await rawServer(() => undefined);
    const h = harness(`https://127.0.0.1:${server.port}`, { timeoutMs: 150, connections: 1 });
    try {
      assert.deepEqual(await h.get('/'), { status: 0, error: 'timeout' });
      const flights = [h.send('/a'), h.send('/b')];
      await sleep(20);
      await h.client.destroy();
      for (const f of flights) {
        assert.equal(f.ends, 1);
        assert.equal(f.ended?.error, 'aborted');
      }
    } finally {
      await server.close();
    }
  });
});
