/** A sleep that something else can cut short: the consume loop waits on it for data, a timer or an abort. */
export class Waker {
  #wake: (() => void) | null = null;

  /** Ends the current sleep, if there is one. */
  wake(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Resolves after `ms`, or sooner on wake(). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          this.#wake = null;
          resolve();
        },
        Math.max(1, ms),
      );
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
