/** One compressed block: its HTML (placeholder URLs) and the source files it read, with mtimes. */
export interface CacheEntry {
  html: string
  /**
   * The files it was built from: path, mtime on the machine that built it, and sha256 of the
   * content (other servers compare the content when their mtime differs).
   */
  sources: [path: string, mtimeMs: number, sha256: string][]
}

/**
 * Where online compression keeps results, shared by the server processes that use the same
 * backend, and the lock that makes a new block compress once (like COMPRESS_MINT_DELAY).
 */
export interface CompressCache {
  get(key: string): Promise<CacheEntry | undefined>
  set(key: string, entry: CacheEntry): Promise<void>
  /** Takes the lock for `key` for at most `ttlMs`; returns a token, or undefined when another holds it. */
  lock(key: string, ttlMs: number): Promise<string | undefined>
  unlock(key: string, token: string): Promise<void>
  close?(): Promise<void>
}

let tokens = 0
function newToken(): string {
  tokens++
  return `${process.pid}.${Date.now().toString(36)}.${tokens}`
}

/** The default backend: this process only. */
export function memoryCache(): CompressCache {
  const entries = new Map<string, CacheEntry>()
  const locks = new Map<string, { token: string; until: number }>()
  return {
    async get(key) {
      return entries.get(key)
    },
    async set(key, entry) {
      entries.set(key, entry)
    },
    async lock(key, ttlMs) {
      const held = locks.get(key)
      if (held && held.until > Date.now()) return undefined
      const token = newToken()
      locks.set(key, { token, until: Date.now() + ttlMs })
      return token
    },
    async unlock(key, token) {
      if (locks.get(key)?.token === token) locks.delete(key)
    },
  }
}

/** The part of a node-redis client (v4 and later) the Redis backend uses. */
export interface RedisLike {
  get(key: string): Promise<string | null>
  set(key: string, value: string, options?: { NX?: boolean; PX?: number }): Promise<string | null>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  quit?(): Promise<unknown>
  close?(): Promise<unknown>
  isReady?: boolean
}

export interface RedisCacheOptions {
  /** A connected node-redis client, or a URL to connect to (needs the `redis` package). */
  client?: RedisLike
  url?: string
  /** Key prefix. Default `vite-compressor:`. */
  prefix?: string
  /** How long one Redis call may take before the cache falls back to memory. Default 1000 ms. */
  timeoutMs?: number
  logger?: { warn(message: string): void; info?(message: string): void }
}

const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

/**
 * Redis, shared by every server process. When Redis does not answer, the cache warns once and
 * works from memory (this process only), and returns to Redis as soon as it answers again.
 */
export async function redisCache(options: RedisCacheOptions): Promise<CompressCache> {
  const prefix = options.prefix ?? 'vite-compressor:'
  const timeoutMs = options.timeoutMs ?? 1000
  const logger = options.logger ?? console
  let client = options.client
  if (!client) {
    if (!options.url) throw new Error('redisCache: give a connected `client` or a `url`')
    let mod: { createClient: (o: object) => RedisLike & { connect(): Promise<unknown>; on(e: string, f: (err: Error) => void): unknown } }
    try {
      mod = (await import('redis' as string)) as typeof mod
    } catch {
      throw new Error('redisCache({ url }) needs the `redis` package: npm install redis')
    }
    const created = mod.createClient({
      url: options.url,
      socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
    })
    created.on('error', () => {}) // reported through the fallback below, once
    await created.connect().catch(() => {})
    client = created
  }
  const redis = client
  const fallback = memoryCache()
  let down = false
  const call = async <T>(what: string, op: () => Promise<T>, orElse: () => Promise<T>): Promise<T> => {
    if (redis.isReady === false) return degrade(what, new Error('not connected'), orElse)
    let timer: NodeJS.Timeout | undefined
    try {
      const result = await Promise.race([
        op(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)
        }),
      ])
      if (down) {
        down = false
        ;(logger.info ?? logger.warn).call(logger, 'vite-compressor: Redis answers again; the shared cache is back')
      }
      return result
    } catch (err) {
      return degrade(what, err as Error, orElse)
    } finally {
      clearTimeout(timer)
    }
  }
  const degrade = <T>(what: string, err: Error, orElse: () => Promise<T>): Promise<T> => {
    if (!down) {
      down = true
      logger.warn(`vite-compressor: Redis ${what} failed (${err.message}); using this process's memory until Redis answers`)
    }
    return orElse()
  }
  return {
    get: (key) =>
      call(
        'get',
        async () => {
          const raw = await redis.get(prefix + key)
          return raw ? (JSON.parse(raw) as CacheEntry) : undefined
        },
        () => fallback.get(key),
      ),
    set: async (key, entry) => {
      await fallback.set(key, entry)
      await call('set', async () => void (await redis.set(prefix + key, JSON.stringify(entry))), async () => {})
    },
    lock: (key, ttlMs) => {
      const token = newToken()
      return call(
        'lock',
        async () => ((await redis.set(`${prefix}lock:${key}`, token, { NX: true, PX: ttlMs })) === 'OK' ? token : undefined),
        () => fallback.lock(key, ttlMs),
      )
    },
    unlock: (key, token) =>
      call(
        'unlock',
        async () => void (await redis.eval(UNLOCK, { keys: [`${prefix}lock:${key}`], arguments: [token] })),
        () => fallback.unlock(key, token),
      ),
    close: async () => {
      if (!options.client) await (redis.close?.() ?? redis.quit?.())?.catch?.(() => {})
    },
  }
}
