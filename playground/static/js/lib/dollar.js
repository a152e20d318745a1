/*
 * dollar.js: a tiny jQuery-style helper. A classic script: its top-level `var`s and functions are
 * globals that the scripts after it use, so the build must concatenate, never wrap, it.
 */
var DOLLAR_VERSION = '0.1.0'

function Dollar(nodes) {
  this.nodes = nodes
  this.length = nodes.length
}

Dollar.prototype.each = function (fn) {
  for (let i = 0; i < this.nodes.length; i++) fn.call(this.nodes[i], this.nodes[i], i)
  return this
}

Dollar.prototype.text = function (value) {
  if (value === undefined) return this.nodes.length ? this.nodes[0].textContent : ''
  return this.each((node) => {
    node.textContent = value
  })
}

Dollar.prototype.addClass = function (name) {
  return this.each((node) => {
    node.classList.add(name)
  })
}

Dollar.prototype.toggleClass = function (name) {
  return this.each((node) => {
    node.classList.toggle(name)
  })
}

Dollar.prototype.on = function (event, fn) {
  return this.each((node) => {
    node.addEventListener(event, fn)
  })
}

var $ = (selector) => {
  if (typeof selector === 'function') return $.ready(selector)
  var nodes = typeof selector === 'string' ? document.querySelectorAll(selector) : [selector]
  return new Dollar(Array.prototype.slice.call(nodes))
}

$.ready = (fn) => {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn)
  else fn()
}

$.version = DOLLAR_VERSION
