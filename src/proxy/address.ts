/** `host:port` addresses as Toxiproxy writes them (`127.0.0.1:8080`, `[::1]:8080`, `:8080`). */
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port`; an empty host means `defaultHost`. Returns undefined when malformed. */
export function parseHostPort(text: string, defaultHost: string): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (match === null) return undefined;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  if (match[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host: host === '' ? defaultHost : host, port };
}

/** Formats an address the way Toxiproxy reports a bound listener. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
