// o2c-hub console: asks before a form marked data-confirm is sent (no inline script anywhere).
"use strict";
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
