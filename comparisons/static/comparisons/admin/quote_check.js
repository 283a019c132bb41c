/* The claim form's citations: as an editor types a quote (or picks its source), say whether the
   source's current snapshot holds it. Asks the admin's check-quote view; shows its answer under
   the excerpt. No inline script: loaded as a file by CitationInline's Media. */
"use strict";
(function () {
  // The claim form is under …/comparisons/claim/; the check is the citations' admin view.
  const url = window.location.pathname.replace(
    /\/comparisons\/claim\/.*$/, "/comparisons/citation/check-quote/");
  const timers = new WeakMap();

  function rowOf(element) {
    return element.closest(".inline-related");
  }

  function output(row) {
    let box = row.querySelector(".quote-live-check");
    if (!box) {
      const excerpt = row.querySelector("textarea[name$='-excerpt']");
      if (!excerpt) return null;
      box = document.createElement("div");
      box.className = "quote-live-check help";
      box.setAttribute("aria-live", "polite");
      excerpt.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  async function check(row) {
    const excerpt = row.querySelector("textarea[name$='-excerpt']");
    const source = row.querySelector("select[name$='-source']");
    const box = output(row);
    if (!excerpt || !source || !box) return;
    if (!source.value || !excerpt.value.trim()) {
      box.textContent = "";
      return;
    }
    const query = new URLSearchParams({ source: source.value, excerpt: excerpt.value });
    try {
      const response = await fetch(`${url}?${query}`, { credentials: "same-origin" });
      const answer = await response.json();
      box.textContent = answer.message || "";
      box.dataset.verification = answer.verification || "";
    } catch (error) {
      box.textContent = "";
    }
  }

  function later(row) {
    clearTimeout(timers.get(row));
    timers.set(row, setTimeout(() => check(row), 400));
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches("textarea[name^='citations-'][name$='-excerpt']")) {
      later(rowOf(event.target));
    }
  });
  // The source is an autocomplete (select2, on Django's jQuery): it says "change" through it.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(document).on("change", "select[name^='citations-'][name$='-source']",
      (event) => later(rowOf(event.target)));
  }
})();
