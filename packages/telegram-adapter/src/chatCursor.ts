/** A message as the monitor compares it across sessions. */
export interface CursorMessage {
  readonly id: number;
  /** Unix time in seconds. */
  readonly date: number;
  readonly text: string;
  readonly senderId?: string | undefined;
}

/**
 * How far a monitored chat has been delivered.
 *
 * In channels and supergroups a message id belongs to the chat: every account sees the same
 * id, so one last-delivered id is exact on any session. In basic groups (and private chats)
 * ids belong to the account: each member account numbers its copy of a message itself, so an
 * id from session A means nothing on session B. There the cursor keeps the last id per session,
 * and across sessions it compares by date: a message is new on another session when it is
 * newer than the last delivered one, or of the same second and not one of those already
 * delivered in that second (same sender and text).
 */
export class ChatCursor {
  /** Whether message ids are per account (basic groups) rather than per chat. */
  #idsPerAccount = false;
  /** Per chat: the last delivered id. */
  #lastId = 0;
  /** Per account: the last id each session has seen. */
  readonly #bySession = new Map<string, number>();
  /** The date of the newest delivered (or baseline) message. */
  #lastDate = 0;
  /** Whether `#lastDate` is known (a baseline was read or a message delivered). */
  #dated = false;
  /** Messages of the second `#lastDate` already delivered (or known at the baseline). */
  #atLastDate: string[] = [];
  /** The channel's pts, once known (channels and supergroups). */
  pts: number | undefined;

  /** Whether anything is known yet (a baseline or a delivered message). */
  get started(): boolean {
    return this.#dated || this.#lastId > 0 || this.#bySession.size > 0;
  }

  /** Fix which numbering the chat's ids use; called once its peer is known. */
  setIdsPerAccount(perAccount: boolean): void {
    this.#idsPerAccount = perAccount;
  }

  /** The id to page history down to on `session`; 0 when the session has no id of its own. */
  minIdOn(session: string): number {
    return this.#idsPerAccount ? (this.#bySession.get(session) ?? 0) : this.#lastId;
  }

  /** For ids per account: page back no further than this date (unix seconds). */
  sinceOn(): number | undefined {
    return this.#idsPerAccount && this.#dated ? this.#lastDate : undefined;
  }

  /** `session` has seen messages up to `id` (delivered or not). */
  seen(session: string, id: number): void {
    if (this.#idsPerAccount) this.#bySession.set(session, Math.max(this.#bySession.get(session) ?? 0, id));
    else this.#lastId = Math.max(this.#lastId, id);
  }

  /**
   * Record the newest messages known before delivery starts (not delivered): every message of
   * the newest second, so none of them counts as new on another session.
   */
  baseline(session: string, newest: readonly CursorMessage[]): void {
    // Even an empty history is a start: whatever comes later is new.
    this.#dated = true;
    for (const m of newest) {
      this.seen(session, m.id);
      if (m.date > this.#lastDate) {
        this.#lastDate = m.date;
        this.#atLastDate = [];
      }
    }
    this.#atLastDate = newest.filter((m) => m.date === this.#lastDate).map(fingerprint);
  }

  /** Whether a message seen live on `session` is not delivered yet. */
  isNewLive(session: string, m: CursorMessage): boolean {
    return m.id > this.minIdOn(session);
  }

  /**
   * The messages of a back-fill on `session` (oldest first) that were not delivered yet: by id
   * for per-chat ids; by id on the session's own numbering and by date across sessions for
   * per-account ids.
   */
  undelivered<M extends CursorMessage>(session: string, messages: readonly M[]): M[] {
    const minId = this.minIdOn(session);
    const fresh = messages.filter((m) => m.id > minId);
    if (!this.#idsPerAccount) return fresh;
    const already = [...this.#atLastDate];
    return fresh.filter((m) => {
      if (m.date > this.#lastDate) return true;
      if (m.date < this.#lastDate) return false;
      const i = already.indexOf(fingerprint(m));
      if (i < 0) return true;
      already.splice(i, 1);
      return false;
    });
  }

  /** Whether `m` counts as possibly new in a back-fill on another session (for the limit). */
  surelyNew(m: CursorMessage): boolean {
    return !this.#idsPerAccount || m.date > this.#lastDate;
  }

  /** `m` was delivered from `session`. */
  delivered(session: string, m: CursorMessage): void {
    this.seen(session, m.id);
    this.#dated = true;
    if (m.date > this.#lastDate) {
      this.#lastDate = m.date;
      this.#atLastDate = [];
    }
    if (m.date === this.#lastDate) this.#atLastDate.push(fingerprint(m));
  }
}

function fingerprint(m: CursorMessage): string {
  return `${m.senderId ?? ''}\u0000${m.text}`;
}
