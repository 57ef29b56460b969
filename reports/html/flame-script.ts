// The page's script for the flame graph search (flame-section.ts). Plain ES2017 for the browser,
// inlined and allowed by its hash in the page's Content-Security-Policy: the SVGs themselves carry
// no script (an inline script or event handler in them would break that policy). It reads the
// frames' data-* attributes that reports/flamegraph/svg.ts writes (name, samples, the base's
// samples in a differential graph, the parent frame's index) and writes only a class and
// textContent: no markup is built from data.
//
// A frame matches when its name holds the search text, in any case. A graph's matched share is the
// samples under its matched frames over the root's, each sample counted once: a match inside a
// matched frame adds nothing (frames come parents first, so one pass knows whether an ancestor
// matched). In a differential graph the share is given for both profiles.
import { FLAME_SEARCH_ID, FLAME_STATUS_ID } from './flame-section.js';

export const FLAME_SCRIPT = `(function () {
  'use strict';
  var input = document.getElementById('${FLAME_SEARCH_ID}');
  if (!input) return;
  var status = document.getElementById('${FLAME_STATUS_ID}');
  var figures = Array.prototype.slice.call(document.querySelectorAll('figure.flame'));

  function share(part, whole) {
    return (whole > 0 ? (100 * part) / whole : 0).toFixed(2) + '%';
  }

  function searchFigure(figure, text) {
    var frames = figure.querySelectorAll('g.frame');
    var covered = [];
    var count = 0;
    var samples = 0;
    var before = 0;
    for (var i = 0; i < frames.length; i++) {
      var g = frames[i];
      var parent = Number(g.getAttribute('data-parent'));
      var hit = text !== '' && g.getAttribute('data-name').toLowerCase().indexOf(text) >= 0;
      var under = parent >= 0 && covered[parent];
      covered[i] = hit || under;
      if (hit) g.classList.add('matched');
      else g.classList.remove('matched');
      if (!hit) continue;
      count++;
      if (under) continue;
      samples += Number(g.getAttribute('data-samples'));
      before += Number(g.getAttribute('data-before') || 0);
    }
    var out = figure.querySelector('.flame-match');
    if (text === '') {
      out.textContent = '';
    } else if (count === 0) {
      out.textContent = 'no frame matches';
    } else {
      var root = frames[0];
      var frameCount = count + (count === 1 ? ' frame' : ' frames');
      out.textContent = figure.getAttribute('data-kind') === 'diff'
        ? 'matched: base ' + share(before, Number(root.getAttribute('data-before'))) +
          ', candidate ' + share(samples, Number(root.getAttribute('data-samples'))) + ' of the samples (' + frameCount + ')'
        : 'matched: ' + share(samples, Number(root.getAttribute('data-samples'))) + ' of the samples (' + frameCount + ')';
    }
    return count;
  }

  function search() {
    var text = input.value.trim().toLowerCase();
    var frames = 0;
    var graphs = 0;
    figures.forEach(function (figure) {
      var n = searchFigure(figure, text);
      frames += n;
      if (n > 0) graphs++;
    });
    status.textContent = text === '' ? '' : frames + (frames === 1 ? ' frame' : ' frames') + ' in ' + graphs + ' of ' + figures.length + ' graphs';
  }

  input.addEventListener('input', search);
  search();
})();
`;
