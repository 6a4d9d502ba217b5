// Progressive enhancement: what is typed on a questionnaire page is kept on the server after a
// pause and when the page is left (closed by mistake), as unsaved input of this person; it is
// offered back when the page or the personal link is opened again. The shared draft changes
// only through the page's own save buttons. Without JavaScript nothing changes.
(function () {
  var form = document.querySelector("form[data-bewaren]");
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) { return; }
  var url = form.getAttribute("data-bewaren");
  var timer = null;
  var dirty = false;
  var submitting = false;
  function body() {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { data.append(name, value); }
    });
    return data;
  }
  function send(leaving) {
    clearTimeout(timer);
    if (!dirty || submitting) { return; }
    dirty = false;
    fetch(url, {method: "POST", body: body(), credentials: "same-origin", keepalive: leaving,
                headers: {"Content-Type": "application/x-www-form-urlencoded"}})
      .catch(function () { dirty = true; });
  }
  function typed() {
    dirty = true;
    // saving the page then also removes what was kept of it
    if (!form.querySelector("input[data-bewaard]")) {
      var kept = document.createElement("input");
      kept.type = "hidden";
      kept.name = "hersteld";
      kept.value = form.getAttribute("data-bewaard-id");
      kept.setAttribute("data-bewaard", "");
      form.appendChild(kept);
    }
    clearTimeout(timer);
    timer = setTimeout(function () { send(false); }, 1500);
  }
  form.addEventListener("input", typed);
  form.addEventListener("change", typed);
  form.addEventListener("submit", function () { submitting = true; clearTimeout(timer); });
  window.addEventListener("pagehide", function () { send(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { send(true); }
  });
})();
