/**
 * One client connection through a proxy: the accepted client socket, the socket to the
 * upstream, and two links (upstream = client→server, downstream = server→client).
 *
 * TCP half-close is kept: a FIN travels through its direction's toxics (so slow_close and
 * latency can hold it back) and only ends the other side's writing. The connection is torn down
 * when both directions are done, when either socket fails, or when a toxic closes/resets it.
 */
import { connect, type Socket } from 'node:net';
import type { Random } from '../util/random.ts';
import type { HostPort } from './address.ts';
import { Link } from './link.ts';
import type { Stream, Toxic } from './toxic.ts';
import type { LinkControl } from './toxics/stage.ts';

/** Bytes counted per direction: read from the source, written to the destination. */
export interface DirectionBytes {
  received: number;
  sent: number;
}

/** How long a graceful close waits for buffered bytes to flush before destroying anyway. */
const CLOSE_GRACE_MS = 2000;

export class ProxyConnection {
  readonly upstreamSocket: Socket;
  private readonly links: Record<Stream, Link>;
  private closed = false;

  constructor(
    readonly client: Socket,
    upstream: HostPort,
    toxics: Record<Stream, readonly Toxic[]>,
    random: Random,
    private readonly onClose: (connection: ProxyConnection) => void,
  ) {
    this.upstreamSocket = connect({
      host: upstream.host,
      port: upstream.port,
      noDelay: true,
      allowHalfOpen: true,
    });
    const control: LinkControl = { close: () => this.closeGracefully(), reset: () => this.reset() };
    const onLinkFinished = (): void => this.maybeDone();
    this.links = {
      upstream: new Link(client, this.upstreamSocket, random.fork('upstream'), control, onLinkFinished),
      downstream: new Link(this.upstreamSocket, client, random.fork('downstream'), control, onLinkFinished),
    };
    for (const socket of [client, this.upstreamSocket]) {
      socket.on('error', () => this.destroy());
      socket.on('close', () => this.onSocketClose(socket));
    }
    client.setNoDelay(true);
    this.links.upstream.start(toxics.upstream);
    this.links.downstream.start(toxics.downstream);
  }

  link(stream: Stream): Link {
    return this.links[stream];
  }

  /** Byte counters for /metrics, read from the sockets so the fast path counts for free. */
  bytes(stream: Stream): DirectionBytes {
    return stream === 'upstream'
      ? { received: this.client.bytesRead, sent: this.upstreamSocket.bytesWritten }
      : { received: this.upstreamSocket.bytesRead, sent: this.client.bytesWritten };
  }

  /** Closes both sockets now (proxy disabled, deleted, server closing). */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.disposeLinks();
    this.client.destroy();
    this.upstreamSocket.destroy();
    this.onClose(this);
  }

  private reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.disposeLinks();
    for (const socket of [this.client, this.upstreamSocket]) {
      if (socket.destroyed) continue;
      // resetAndDestroy needs a connected socket; a still-connecting upstream is just dropped.
      if (socket.connecting) socket.destroy();
      else socket.resetAndDestroy();
    }
    this.onClose(this);
  }

  private closeGracefully(): void {
    if (this.closed) return;
    this.closed = true;
    this.disposeLinks();
    for (const socket of [this.client, this.upstreamSocket]) {
      if (socket.destroyed) continue;
      socket.end();
      socket.once('finish', () => socket.destroy());
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    }
    this.onClose(this);
  }

  private onSocketClose(socket: Socket): void {
    if (this.closed) return;
    // A socket that closed without a clean end of its stream (RST, destroy) takes the whole
    // connection with it. A clean close leaves the other direction to drain its toxics.
    const readingLink = socket === this.client ? this.links.upstream : this.links.downstream;
    const writingLink = socket === this.client ? this.links.downstream : this.links.upstream;
    if (!socket.readableEnded && !readingLink.isFinished) {
      this.destroy();
      return;
    }
    if (!writingLink.isFinished) writingLink.dispose();
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.closed || !this.links.upstream.isFinished || !this.links.downstream.isFinished) return;
    this.closed = true;
    for (const socket of [this.client, this.upstreamSocket]) {
      if (!socket.destroyed) socket.destroySoon();
    }
    this.onClose(this);
  }

  private disposeLinks(): void {
    this.links.upstream.dispose();
    this.links.downstream.dispose();
  }
}
