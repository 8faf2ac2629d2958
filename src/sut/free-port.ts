/**
 * A free TCP port on loopback, reserved per SUT replica before it starts so that the port can
 * be templated into its env/command and stays the same across restarts.
 */
import { createServer } from 'node:net';

/**
 * Asks the OS for a free port by listening on port 0 and closing again. Another process could
 * take it in between; on loopback in a test harness that race is rare, and the SUT then fails
 * to listen, which surfaces as ERR_SUT_EXITED with its log tail.
 */
export function reservePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
