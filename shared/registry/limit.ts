/** A counting semaphore, first come first served: bounds requests in flight and part buffers held. */
export class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}

  /** Waits for a permit; rejects instead when `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', cancel);
        resolve();
      };
      const cancel = () => {
        this.waiting = this.waiting.filter((w) => w !== grant);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', cancel, { once: true });
      this.waiting.push(grant);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }
}

/** Runs `task` over items with at most `limit` at once; rejects with the first failure in time, once all settle. */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const gate = new Semaphore(limit);
  const failures: unknown[] = [];
  await Promise.all(items.map((item) => gate.run(() => task(item)).catch((error: unknown) => void failures.push(error))));
  if (failures.length) throw failures[0];
}
