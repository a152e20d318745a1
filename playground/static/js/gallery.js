/* gallery.js: a deferred classic script (its own output, `defer` kept). Click a tile to pick it. */
$('.tile').on('click', function () {
  $(this).toggleClass('picked')
})
$('#tile-count').text(`${$('.tile').length} tiles, wired by gallery.js`)
Playground.mark('gallery')
