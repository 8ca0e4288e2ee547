// Shows the risk value and its band while the user picks likelihood and impact.
(function () {
  "use strict";
  var form = document.querySelector(".assess-form");
  if (!form) { return; }
  var cells = JSON.parse(form.dataset.cells || "{}");
  var output = document.getElementById("risk-value");
  function picked(name) {
    var el = form.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : null;
  }
  function update() {
    var l = picked("likelihood"), i = picked("impact");
    if (!l || !i) { return; }
    var c = cells[l + "," + i];
    if (!c) { return; }
    output.textContent = "";
    var chip = document.createElement("span");
    chip.className = "chip";
    chip.style.background = c.colour;
    chip.style.color = c.text_colour;
    chip.textContent = c.value + " " + c.band;
    output.appendChild(chip);
    if (c.value >= Number(form.dataset.threshold)) {
      output.appendChild(document.createTextNode(" – på eller över tröskeln: kontrollmoment, direktåtgärd eller motiverad acceptans."));
    }
  }
  form.addEventListener("change", update);
})();
