/* Attune's site-wide script (loaded on every page by base.html; no build step).
   Logging out forgets the quiz answers this browser kept while waiting for the server
   (quiz.js keeps them under "attune-quiz:<user>:<attempt>"), so the next person at a shared
   workstation cannot read them. */
(function () {
  "use strict";
  var PREFIX = "attune-quiz:";

  function forgetQuizAnswers() {
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i -= 1) {
        var name = window.localStorage.key(i);
        if (name && name.indexOf(PREFIX) === 0) {
          window.localStorage.removeItem(name);
        }
      }
    } catch (error) {
      // Storage switched off: there is nothing to forget.
    }
  }

  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", forgetQuizAnswers);
  });
})();
