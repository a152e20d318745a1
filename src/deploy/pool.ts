/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i] as T, i)
    }
  }
  const n = Math.max(1, Math.min(limit, items.length))
  await Promise.all(Array.from({ length: n }, worker))
  return results
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Total attempts, the first included. Default 5. */
  attempts?: number
  /** Delay before the second attempt, doubled each time (with jitter). Default 200 ms. */
  baseDelayMs?: number
  /** Longest delay between attempts. Default 5000 ms. */
  maxDelayMs?: number
}

/**
 * Calls `fn` until it succeeds, `isTransient(error)` says the error is not worth retrying, or the
 * attempts run out (then the last error is thrown). `onRetry` hears of each retry.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  isTransient: (err: unknown) => boolean,
  options: RetryOptions = {},
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  const attempts = Math.max(1, Math.min(options.attempts ?? 5, 20))
  const base = options.baseDelayMs ?? 200
  const max = options.maxDelayMs ?? 5000
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt >= attempts || !isTransient(err)) throw err
      const delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2)
      onRetry?.(err, attempt, delay)
      await sleep(delay)
    }
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

/** True for errors a retry may cure: network failures, timeouts, HTTP 5xx and 429. */
export function isTransientError(err: unknown): boolean {
  for (
    let e: unknown = err, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const o = e as {
      code?: string
      name?: string
      message?: string
      status?: number
      $retryable?: unknown
      $metadata?: { httpStatusCode?: number }
    }
    const status = o.$metadata?.httpStatusCode ?? o.status
    if (status !== undefined && (status >= 500 || status === 429)) return true
    if (o.$retryable) return true
    if (o.code && NETWORK_CODES.has(o.code)) return true
    if (o.name === 'TimeoutError' || o.name === 'RequestTimeout' || o.name === 'AbortError') return true
    if (o.message && /socket hang up|ECONNRESET|fetch failed|other side closed/i.test(o.message)) return true
  }
  return false
}
