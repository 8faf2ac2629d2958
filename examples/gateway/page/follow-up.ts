/**
 * The follow-up job the page starts after an answer, modelled on the 2024-06-25 Duo Chat
 * incident: the web tier hands the job a session id; the job loads the session from the store,
 * where it lives as a plain hash (as in Redis), and schedules a nested job that needs a real
 * Session. The buggy path uses the hash as the session and the nested scheduling throws; the
 * fix rebuilds the Session first. No environment check skips the nested job: the seed's bug hid
 * behind exactly such a development-only shortcut.
 */
import { randomUUID } from 'node:crypto';

/** A signed-in user's session as the web tier holds it. */
export class Session {
  readonly id: string;
  readonly subject: string;
  constructor(id: string, subject: string) {
    this.id = id;
    this.subject = subject;
  }
  /** What the session store keeps: a plain hash, not a Session. */
  toHash(): Record<string, string> {
    return { id: this.id, subject: this.subject };
  }
  static fromHash(hash: Readonly<Record<string, string>>): Session {
    return new Session(hash.id ?? '', hash.subject ?? '');
  }
}

/** Raised by the follow-up job; `code` is what the user sees (the seed's A1001). */
export class FollowUpError extends Error {
  readonly code = 'A1001';
}

const MAX_JOBS = 1000;

/** Jobs scheduled by answers and not yet followed up; bounded (oldest dropped first). */
export class FollowUpJobs {
  private readonly store = new Map<string, Record<string, string>>();
  private readonly seedBug: boolean;

  constructor(seedBug: boolean) {
    this.seedBug = seedBug;
  }

  /** Schedules the follow-up of an answer; returns the job id the page passes back. */
  schedule(subject: string): string {
    if (this.store.size >= MAX_JOBS) {
      const oldest = this.store.keys().next();
      if (oldest.done !== true) this.store.delete(oldest.value);
    }
    const job = randomUUID();
    this.store.set(job, new Session(randomUUID(), subject).toHash());
    return job;
  }

  /**
   * Runs a job for its subject. Returns the analysis text, `undefined` for an unknown job or
   * another user's job, or throws a FollowUpError when the nested job cannot be scheduled.
   */
  run(job: string, subject: string): string | undefined {
    const hash = this.store.get(job);
    if (hash === undefined || hash.subject !== subject) return undefined;
    this.store.delete(job);
    const session: Session | Record<string, string> = this.seedBug ? hash : Session.fromHash(hash);
    scheduleNestedAnalysis(session);
    return `follow-up done for ${subject}: the answer was analysed`;
  }
}

/** The nested job's scheduling: it reads the session's private id, which only a Session has. */
function scheduleNestedAnalysis(session: Session | Record<string, string>): void {
  if (!(session instanceof Session)) {
    throw new FollowUpError(
      'Error code A1001: the follow-up job could not be scheduled (session is a plain hash, expected a Session)',
    );
  }
}
