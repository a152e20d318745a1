/* app.js: uses dollar.js's globals ($, DOLLAR_VERSION) and defines one of its own (Playground). */
var Playground = {
  marks: [],
  mark: (name) => {
    Playground.marks.push(name)
    document.documentElement.setAttribute('data-marks', Playground.marks.join(' '))
  },
}

Playground.mark('app')

$(() => {
  $('[data-greeting]').text(`Hello from app.js (dollar.js ${DOLLAR_VERSION})`)
  $('.site-nav a').each((link) => {
    if (link.getAttribute('href') === window.location.pathname) link.classList.add('current')
  })
  Playground.mark('ready')
})
