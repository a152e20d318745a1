import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { replaceBlocks } from './html.js'
import type { Compressor } from './index.js'
import { createPageState } from './page.js'

/** Options of {@link compressorMiddleware}. */
export interface CompressorMiddlewareOptions {
  /**
   * Pass the HTML from `res.render` through {@link replaceBlocks}. Default true; set false when the
   * engine renders the blocks itself (the Nunjucks extension or the Liquid tag).
   */
  replace?: boolean
  /** The render option or `res.locals` variable holding the CSP nonce. Default `cspNonce`. */
  nonceVariable?: string
}

type RenderCallback = (err: Error | null, html?: string) => void

/**
 * Express middleware: puts the compressor in `res.locals.compressor` and wraps `res.render` so the
 * rendered page's compress blocks are replaced (for engines such as EJS, Pug or Handlebars).
 * Errors (a missing block, say) go to Express's error handling, or to the render callback.
 * Each response is one page: a file's tag is emitted once in it, even over several `res.render` calls.
 */
export function compressorMiddleware(
  compressor: Compressor,
  options: CompressorMiddlewareOptions = {},
): RequestHandler {
  const replace = options.replace ?? true
  const nonceVariable = options.nonceVariable ?? 'cspNonce'
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.compressor = compressor
    // Online mode: blocks the engine left pending are compressed before the page is sent.
    if (replace || compressor.online) {
      const page = createPageState()
      const render = res.render.bind(res) as (view: string, opts: object, cb: RenderCallback) => void
      res.render = ((view: string, opts?: object | RenderCallback, cb?: RenderCallback) => {
        const callback = typeof opts === 'function' ? opts : cb
        const locals = (typeof opts === 'function' ? undefined : opts) as Record<string, unknown> | undefined
        const fail = (err: unknown) => (callback ? callback(err as Error) : (req.next ?? next)(err))
        render(view, locals ?? {}, (err, html) => {
          if (err) return fail(err)
          let out: string
          try {
            const nonce = locals?.[nonceVariable] ?? res.locals[nonceVariable]
            out = replace
              ? replaceBlocks(html ?? '', compressor, {
                  template: view,
                  nonce: typeof nonce === 'string' ? nonce : undefined,
                  page,
                })
              : (html ?? '')
          } catch (e) {
            return fail(e)
          }
          compressor
            .resolve(out)
            .then((done) => {
              if (callback) callback(null, done)
              else res.send(done)
            })
            .catch(fail)
        })
      }) as Response['render']
    }
    next()
  }
}
