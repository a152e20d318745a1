import type { ResolvedConfig } from 'vite'

// What the other plugins of a build may do to our stylesheets and outputs: Vite's list of plugins,
// and the bundler's own (which Vite wraps and does not list).

/** The hooks of a plugin that matter here. */
export interface PluginHooks {
  name: string
  transform?: unknown
  load?: unknown
  generateBundle?: unknown
  writeBundle?: unknown
}

/** Whether the bundler's own options carry plugins (Vite wraps them; they are not in `config.plugins`). */
export function hasBundlerPlugins(config: ResolvedConfig): boolean {
  const b = config.build as { rolldownOptions?: unknown; rollupOptions?: unknown }
  const some = (x: unknown): boolean => (Array.isArray(x) ? x.some(some) : Boolean(x))
  for (const options of [b.rolldownOptions, b.rollupOptions] as ({ plugins?: unknown; output?: unknown } | undefined)[]) {
    if (!options) continue
    if (some(options.plugins)) return true
    for (const out of Array.isArray(options.output) ? options.output : [options.output]) {
      if (some((out as { plugins?: unknown } | undefined)?.plugins)) return true
    }
  }
  return false
}

/** Whether a plugin other than Vite's and ours may change the bundle's files after our hooks ran. */
export function othersMayChangeOutputs(config: ResolvedConfig): boolean {
  return hasBundlerPlugins(config) || config.plugins.some((p) => !isViteOrOurs(p.name) && (p.generateBundle || p.writeBundle))
}

/**
 * The plugin (not Vite's own, not ours) whose transform or load hook may see the stylesheet `id`;
 * for `id` undefined, one whose hooks have no regular-expression id filter to tell by.
 */
export function pluginSeeing(plugins: readonly PluginHooks[], id: string | undefined): string | undefined {
  return plugins.find((p) => mayTouch(p, id))?.name
}

/** Vite's (and Rolldown's) own plugins, and ours. */
export function isViteOrOurs(name: string): boolean {
  return /^(?:vite:|builtin:|native:|vite-compressor)/.test(name) || name === 'alias'
}

function mayTouch(plugin: PluginHooks, id: string | undefined): boolean {
  if (isViteOrOurs(plugin.name)) return false
  return hookMaySee(plugin.transform, id) || hookMaySee(plugin.load, id)
}

/**
 * Whether a hook may be called for `id`: any hook without an id filter of regular expressions (as
 * Rolldown applies them: some include matches, no exclude matches). With `id` undefined: whether
 * the hook cannot be told apart by its filter at all.
 */
function hookMaySee(hook: unknown, id: string | undefined): boolean {
  if (!hook) return false
  if (typeof hook === 'function') return true
  const filter = (hook as { filter?: { id?: unknown } }).filter?.id
  if (filter === undefined) return true
  const plain = filter instanceof RegExp || Array.isArray(filter)
  const list = (x: unknown): unknown[] => (x === undefined ? [] : Array.isArray(x) ? x : [x])
  const include = list(plain ? filter : (filter as { include?: unknown }).include)
  const exclude = list(plain ? undefined : (filter as { exclude?: unknown }).exclude)
  // Globs (strings) and anything else are not read: the hook may see any stylesheet.
  if (![...include, ...exclude].every((p) => p instanceof RegExp)) return true
  if (id === undefined) return false
  const test = (p: unknown) => {
    const re = p as RegExp
    re.lastIndex = 0
    return re.test(id)
  }
  return (include.length === 0 || include.some(test)) && !exclude.some(test)
}
