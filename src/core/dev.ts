/** The file the dev plugin writes beside the manifest while `vite` runs, and the runtime reads. */
export const DEV_SERVER_FILE = 'dev-server.json'

/** The query a classic script's URL carries so the dev server sends it as it is (not as a module). */
export const CLASSIC_QUERY = 'classic'

/** What the dev plugin writes while the dev server runs. */
export interface DevServer {
  /** e.g. `http://127.0.0.1:5173` (Vite's `server.origin` when set). */
  origin: string
  /** Vite's `base`, e.g. `/static/`. */
  base: string
  /** The plugin's `staticUrl`: the prefix of URLs in blocks that the dev server serves. */
  staticUrl: string
  /** What replaces `staticUrl` in those URLs, e.g. `http://127.0.0.1:5173/static/`. */
  url: string
  /** Vite's client, e.g. `http://127.0.0.1:5173/static/@vite/client`. */
  client: string
  /** The dev server's process and host, to notice a file left behind by a killed process. */
  pid?: number
  hostname?: string
}
