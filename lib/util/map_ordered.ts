/** Ordered concurrency: an async map with a bounded number of calls in flight. */

/**
 * Maps an async source with up to `limit` calls in flight, yielding results in source order.
 * Memory stays bounded by `limit` pending results.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  try {
    for await (const item of source) {
      const p = fn(item);
      p.catch(() => {}); // observed below, in order; avoids an unhandled rejection meanwhile
      pending.push(p);
      if (pending.length >= limit) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await Promise.allSettled(pending);
  }
}
