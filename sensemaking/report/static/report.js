// Draws every figure of the page from its JSON (a <script type="application/json"> element).
(function () {
  "use strict";
  var elements = document.querySelectorAll("[data-figure]");
  for (var i = 0; i < elements.length; i++) {
    var element = elements[i];
    var spec = JSON.parse(document.getElementById(element.id + "-data").textContent);
    Plotly.newPlot(element, spec.figure.data || [], spec.figure.layout || {}, spec.config);
  }
})();
