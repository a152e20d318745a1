// A module script: `nanoid` comes from node_modules. The build bundles it; served uncompressed,
// the page's import map points the browser at the package.
import { nanoid } from 'nanoid'

const id = nanoid(12)
const target = document.getElementById('session-id')
if (target) target.textContent = id
document.documentElement.dataset.module = 'ran'
// Module scripts run after the classic ones, so app.js's global is there.
window.Playground.mark('module')
