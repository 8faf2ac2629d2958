/**
 * A SUT that binds port 0 tells us where it listens with one JSON log line, e.g.
 * `{"msg":"listening","url":"http://127.0.0.1:43127"}` (the example gateway prints exactly
 * that). Any JSON line whose `msg` (or `message`) is `listening` and that has an http(s) `url`
 * counts; other lines are ignored.
 */
export function parseListeningUrl(line: string): string | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || !text.includes('listening')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const msg = record['msg'] ?? record['message'];
  const url = record['url'];
  if (msg !== 'listening' || typeof url !== 'string') return undefined;
  return /^https?:\/\//.test(url) && URL.canParse(url) ? url : undefined;
}
