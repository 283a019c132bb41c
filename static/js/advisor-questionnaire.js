// Skip logic for the advisor's questionnaire: a question marked data-shown-when="12 13" is asked
// only when one of those options is picked in a question asked before it. Without this script
// every question is shown with a note saying when to answer it, and the server ignores the
// answers to questions that should not have been asked; with it, they appear and disappear as
// the visitor answers, and the inputs of hidden ones are disabled, so they are not sent.
(function () {
  "use strict";

  var form = document.getElementById("questionnaire");
  if (!form || !form.querySelector("[data-shown-when]")) {
    return;
  }
  var questions = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));

  function refresh() {
    var picked = {};
    questions.forEach(function (question) {
      var conditions = (question.getAttribute("data-shown-when") || "").split(" ").filter(Boolean);
      var asked = !conditions.length || conditions.some(function (id) { return picked[id]; });
      var inputs = question.querySelectorAll("input");
      question.hidden = !asked;
      Array.prototype.forEach.call(inputs, function (input) {
        input.disabled = !asked;
        if (input.type === "radio" && question.hasAttribute("data-required-when-shown")) {
          input.required = asked;
        }
        if (asked && input.checked) {
          picked[input.value] = true;
        }
      });
    });
  }

  form.addEventListener("change", refresh);
  refresh();
})();
