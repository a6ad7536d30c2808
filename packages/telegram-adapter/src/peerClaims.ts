/**
 * Who gets the message, per bulk send: the first item whose recipient resolves to a person
 * (`user:ID`, or a chat) claims them, and any other item that resolves to the same person —
 * the same user listed by username and by id, or by phone — is a duplicate of that item and
 * sends nothing. Claims are made when a peer is resolved, before anything is sent, and never
 * released: the claiming item's own result says whether the message arrived.
 */
export class PeerClaims {
  readonly #claimedBy = new Map<string, string>();

  /**
   * Claim `peer` for the item whose recipient was given as `input`. Returns the input of the
   * item that claimed the peer first, or undefined when it is this item's (again, on a retry).
   */
  claim(peer: string, input: string): string | undefined {
    const owner = this.#claimedBy.get(peer);
    if (owner === undefined) {
      this.#claimedBy.set(peer, input);
      return undefined;
    }
    return owner === input ? undefined : owner;
  }
}
