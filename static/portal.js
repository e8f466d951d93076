/* Small progressive enhancements; every page works without them. No inline scripts (CSP). */
document.addEventListener("DOMContentLoaded", function () {
  // A form sent back with errors: focus its error summary, so that it is read out first and
  // its links lead to each field (the summary itself is role=alert for those without scripts).
  function focusErrorSummary(root) {
    var summary = root.querySelector(".error-summary");
    if (summary) summary.focus();
  }
  focusErrorSummary(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    focusErrorSummary(event.detail.elt || document);
  });
  // "Select all" checkbox of the queue's bulk assign.
  document.addEventListener("change", function (event) {
    var toggle = event.target.closest("[data-select-all]");
    if (!toggle) return;
    document.querySelectorAll("input[name='" + toggle.dataset.selectAll + "']").forEach(function (box) {
      box.checked = toggle.checked;
    });
  });
  // A button that seals or destroys something asks first (data-confirm holds the question).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
/* The queue's filters start folded on a phone (the first cases above the fold) and open on a
   wider screen. */
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(min-width: 48rem)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
    panel.open = true;
  });
});
