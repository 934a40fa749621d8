import type { Problem } from '../http/problem';

/** One upload's place; `release` gives it back, and calling it again does nothing, so every way an upload ends may call it. */
export interface UploadSlot {
  readonly release: () => void;
}

/**
 * How many uploads each user has in progress. An upload holds a slot from the moment its request
 * is accepted until it ends, however it ends (stored, refused, failed, abandoned by the client),
 * so one user cannot tie up the server's disk and connections with many slow uploads at once.
 */
export class UploadSlots {
  readonly #limit: number;
  readonly #inUse = new Map<number, number>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A slot for this user, or the problem to answer when they already hold all of theirs. */
  acquire(userId: number): UploadSlot | Problem {
    const held = this.#inUse.get(userId) ?? 0;
    if (held >= this.#limit) {
      return {
        code: 'TOO_MANY_UPLOADS',
        message: `you already have ${held} uploads in progress; at most ${this.#limit} may run at once per user (MAX_CONCURRENT_UPLOADS_PER_USER); nothing was stored, retry when one has finished`,
      };
    }
    this.#inUse.set(userId, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const now = (this.#inUse.get(userId) ?? 1) - 1;
        if (now > 0) this.#inUse.set(userId, now);
        else this.#inUse.delete(userId);
      },
    };
  }
}
