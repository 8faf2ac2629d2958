/**
 * The safety rule: load and faults go to loopback only, unless the user allow-lists a host.
 */
import { isIP } from 'node:net';
import { HarnessError } from '../errors.ts';

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/**
 * Throws ERR_NOT_LOOPBACK (exit 2) unless the URL's host is loopback or allow-listed.
 * @param allowHosts host names the user explicitly allowed (exact match, case-insensitive)
 */
export function assertTargetAllowed(url: string | URL, allowHosts: readonly string[] = []): URL {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopbackHost(host) || allowHosts.some((h) => h.toLowerCase() === host)) return parsed;
  throw new HarnessError(
    'ERR_NOT_LOOPBACK',
    `refusing to send traffic to ${parsed.host}: only loopback targets are allowed unless the host is allow-listed (--allow-host ${host})`,
  );
}
