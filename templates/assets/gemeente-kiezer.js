// Progressive enhancement: a search box that filters the municipality checkboxes.
// Without JavaScript the full, grouped list works as it is.
(function () {
  var filter = document.querySelector("[data-filter-target]");
  if (!filter) { return; }
  var list = document.getElementById(filter.getAttribute("data-filter-target"));
  var input = filter.querySelector("input");
  var count = document.getElementById("gemeente-telling");
  var items = Array.prototype.slice.call(list.querySelectorAll("li"));
  var groups = Array.prototype.slice.call(list.querySelectorAll(".province"));
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function chosen() {
    return items.filter(function (li) { return li.querySelector("input").checked; }).length;
  }
  function update() {
    var query = fold(input.value.trim());
    var shown = 0;
    items.forEach(function (li) {
      var match = !query || fold(li.textContent).indexOf(query) !== -1 || li.querySelector("input").checked;
      li.hidden = !match;
      if (match) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("li:not([hidden])");
    });
    count.textContent = shown + " gemeenten getoond, " + chosen() + " gekozen";
  }
  filter.hidden = false;
  input.addEventListener("input", update);
  list.addEventListener("change", update);
  update();
})();
