/**
 * Runs a slow check per document (one that reads the disk) after a quiet period, and publishes a
 * result only while it is the newest: a request made after a check started makes that check's
 * result stale, so an edit typed while the disk is read is never overwritten by what came before it.
 */
export class LatestChecks<Result> {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Per document, the number of its newest request; numbers are never reused, even after `forget`. */
  private readonly newest = new Map<string, number>();
  private requests = 0;

  constructor(
    private readonly publish: (key: string, result: Result) => void,
    private readonly failed: (key: string, error: unknown) => void,
  ) {}

  /** Runs `check` for `key` once `delayMs` pass without another request for it. */
  request(key: string, delayMs: number, check: () => Promise<Result>): void {
    const request = ++this.requests;
    this.newest.set(key, request);
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        Promise.resolve()
          .then(check)
          .then(
            (result) => {
              if (this.isNewest(key, request)) this.publish(key, result);
            },
            (error: unknown) => {
              if (this.isNewest(key, request)) this.failed(key, error);
            },
          );
      }, delayMs),
    );
  }

  /** Cancels what is pending for `key` and drops any result still coming (its document closed). */
  forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.newest.delete(key);
  }

  dispose(): void {
    [...this.timers.keys()].forEach((key) => this.forget(key));
    this.newest.clear();
  }

  private isNewest(key: string, request: number): boolean {
    return this.newest.get(key) === request;
  }
}
