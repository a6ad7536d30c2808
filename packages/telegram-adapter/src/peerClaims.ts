import type { OpenBatch } from '@switchyard/core';

/**
 * Who gets the message, per bulk send: the first item whose recipient resolves to a person
 * (`user:ID`, or a chat) claims them, and any other item that resolves to the same person —
 * the same user listed by username and by id, or by phone — is a duplicate of that item and
 * sends nothing. Claims are made when a peer is resolved, before anything is sent, and never
 * released: the claiming item's own result says whether the message arrived.
 */
export interface PeerClaims {
  /**
   * Claim `peer` for the item whose recipient was given as `input`. Resolves to the input of
   * the item that claimed the peer first, or undefined when it is this item's (again, on a retry).
   */
  claim(peer: string, input: string): Promise<string | undefined>;
}

/** Claims kept in memory, for a send without a campaign: one entry per person reached. */
export class MemoryPeerClaims implements PeerClaims {
  readonly #claimedBy = new Map<string, string>();

  claim(peer: string, input: string): Promise<string | undefined> {
    const owner = this.#claimedBy.get(peer);
    if (owner === undefined) {
      this.#claimedBy.set(peer, input);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(owner === input ? undefined : owner);
  }
}

/**
 * A campaign's claims, kept in its journal (one named cursor per person, set only if unset, in
 * one step), so they hold across a resume and across the nodes of a cluster, and take no memory
 * per recipient. Claims of the same person are made one at a time.
 */
export class JournalPeerClaims implements PeerClaims {
  readonly #batch: OpenBatch;
  readonly #inFlight = new Map<string, Promise<string | undefined>>();

  constructor(batch: OpenBatch) {
    this.#batch = batch;
  }

  claim(peer: string, input: string): Promise<string | undefined> {
    const before = this.#inFlight.get(peer) ?? Promise.resolve(undefined);
    const claimed = before.then(async () => {
      const owner = await this.#batch.claimCursor(`peer:${peer}`, input);
      return owner === input ? undefined : String(owner);
    });
    this.#inFlight.set(peer, claimed);
    const forget = () => {
      if (this.#inFlight.get(peer) === claimed) this.#inFlight.delete(peer);
    };
    claimed.then(forget, forget);
    return claimed;
  }
}
