/* about.js: inlined into the page by {% compress js inline %}; counts the facts with $. */
$(() => {
  var count = $('.facts li').length
  $('#fact-count').text(`${count} facts, counted by about.js`)
  Playground.mark('about')
})
