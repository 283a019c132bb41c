// Re-weighing on the result page while the sliders move. The form works without this script: it
// is a GET form whose address is the re-weighed result. The script asks the server for that same
// address as the visitor drags (or presses the arrow keys), and swaps in the parts of the page
// that change (#reweigh-top: the answer, the chart and the reasons; #reweigh-bottom: the details),
// so the ranking is the one the form would show, computed once, by the server. The address bar
// follows, so the page can be shared at any moment. The sliders themselves are never replaced:
// focus and keyboard stay where they are.
(function () {
  "use strict";

  var form = document.getElementById("reweigh-form");
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var REGIONS = ["reweigh-top", "reweigh-bottom"];
  var DELAY_MS = 120;
  var status = document.getElementById("reweigh-status");
  var timer = null;
  var controller = null;
  var requested = query();
  form.setAttribute("data-applied", requested);

  function query() {
    return new URLSearchParams(new FormData(form)).toString();
  }

  function showValue(slider) {
    var original = Number(slider.getAttribute("data-original"));
    var value = Number(slider.value);
    var note = document.getElementById(slider.id + "-note");
    document.getElementById(slider.id + "-value").textContent = slider.value;
    if (value === original) {
      note.textContent = "as in your answers (" + original + ")";
      note.classList.remove("reweigh-changed");
    } else {
      var change = (value > original ? "+" : "\u2212") + Math.abs(value - original);
      note.textContent = "your answers: " + original + " (" + change + ")";
      note.classList.add("reweigh-changed");
    }
  }

  function swap(html, search) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    REGIONS.forEach(function (id) {
      var current = document.getElementById(id);
      var replacement = fresh.getElementById(id);
      if (!current || !replacement) {
        return;
      }
      // A <details> the visitor opened stays open.
      Array.prototype.forEach.call(current.querySelectorAll("details[open][id]"), function (open) {
        var same = replacement.querySelector("#" + open.id);
        if (same) {
          same.open = true;
        }
      });
      current.replaceWith(document.importNode(replacement, true));
    });
    document.title = fresh.title;
    history.replaceState(null, "", form.getAttribute("action") + "?" + search);
    form.setAttribute("data-applied", search);
    form.removeAttribute("aria-busy");
    var heading = document.getElementById("result-heading");
    if (status && heading) {
      status.textContent = "Updated: " + heading.textContent.trim() + ".";
    }
  }

  function update() {
    var search = query();
    if (search === requested) {
      return;
    }
    requested = search;
    if (controller) {
      controller.abort();
    }
    controller = new AbortController();
    form.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("action") + "?" + search, {
      signal: controller.signal,
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        if (search === requested) {
          swap(html, search);
        }
      })
      .catch(function (error) {
        if (error.name !== "AbortError" && status) {
          form.removeAttribute("aria-busy");
          status.textContent = "The ranking could not be updated: use the button to show it.";
        }
      });
  }

  function schedule(event) {
    if (event.target.type === "range") {
      showValue(event.target);
    }
    clearTimeout(timer);
    timer = setTimeout(update, DELAY_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
