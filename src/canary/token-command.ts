/**
 * A user-supplied token command (for flows keystorm does not speak: device code, a vault, a
 * cloud CLI). It prints an access token, or a JSON token response, on stdout. Run without a
 * shell, bounded in time and output; on a timeout only the child we started is killed.
 */
import { spawn } from 'node:child_process';
import { TokenError } from './token-error.ts';

const MAX_OUTPUT_BYTES = 64 * 1024;

export interface CommandToken {
  accessToken: string;
  expiresIn: number | undefined;
}

/** Reads the command's stdout: a bare token, or `{ "access_token": …, "expires_in": … }`. */
export function parseCommandOutput(stdout: string): CommandToken {
  const text = stdout.trim();
  if (text.startsWith('{')) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new TokenError('command printed JSON that does not parse');
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new TokenError('command printed JSON without access_token');
    }
    return {
      accessToken: body.access_token,
      expiresIn: typeof body.expires_in === 'number' ? body.expires_in : undefined,
    };
  }
  if (text === '' || /\s/.test(text)) throw new TokenError('command printed no single token');
  return { accessToken: text, expiresIn: undefined };
}

export function runTokenCommand(command: readonly string[], timeoutMs: number): Promise<CommandToken> {
  const [file, ...args] = command;
  if (file === undefined) return Promise.reject(new TokenError('empty command'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(new TokenError(`command timed out after ${timeoutMs}ms`)));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.length > MAX_OUTPUT_BYTES) {
        child.kill('SIGKILL');
        settle(() => reject(new TokenError(`command printed more than ${MAX_OUTPUT_BYTES} bytes`)));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-500);
    });
    child.on('error', (error) =>
      settle(() => reject(new TokenError(`command failed to start: ${error.message}`))),
    );
    child.on('close', (code) => {
      settle(() => {
        if (code !== 0) {
          reject(
            new TokenError(`command exited with ${code}${stderr.trim() === '' ? '' : `: ${stderr.trim()}`}`),
          );
          return;
        }
        try {
          resolve(parseCommandOutput(stdout));
        } catch (error) {
          reject(error instanceof Error ? error : new TokenError(String(error)));
        }
      });
    });
  });
}
