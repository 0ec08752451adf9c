/* Quiz page: answers are saved as the learner goes, kept on this device until the server has
   them (a dropped connection or an ended session loses nothing), an "N of M answered" counter,
   and unanswered questions flagged before submitting.

   Plain JavaScript, no build step, loaded with `defer`. The quiz works without it: the form
   posts to the server, which saves, checks for unanswered questions and grades the same fields.
   The texts shown come translated from the page (data-msg-* attributes of the form). */
(function () {
  "use strict";

  var PREFIX = "attune-quiz:";
  var SAVE_DELAY = 700; // ms after the last change
  var RETRY_DELAY = 15000; // ms between tries while the server cannot be reached

  function storageKey(user, attempt) {
    return PREFIX + user + ":" + attempt;
  }

  function readLocal(key) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function writeLocal(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* storage full or disabled: the server copy is all we have */
    }
  }

  function removeLocal(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* nothing to do */
    }
  }

  // Messages come translated from the template with {name} placeholders (not %(name)s, which
  // gettext would treat as Python formatting in the catalogue).
  function format(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  // The result page: the attempt is graded, so this device can forget the answers it kept.
  var graded = document.querySelector("[data-clear-attempt]");
  if (graded) {
    removeLocal(storageKey(graded.getAttribute("data-user"), graded.getAttribute("data-clear-attempt")));
  }

  var form = document.getElementById("quiz-form");
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }

  // Keep the focused answer clear of the sticky bar at the bottom, however tall the bar grows
  // (a long status message wraps it onto several lines on a narrow phone).
  var bar = form.querySelector(".quiz-bar");
  if (bar && window.ResizeObserver) {
    new window.ResizeObserver(function () {
      document.documentElement.style.scrollPaddingBottom = bar.offsetHeight + 16 + "px";
    }).observe(bar);
  }

  var data = form.dataset;
  var key = storageKey(data.user, data.attempt);
  var serverSavedAt = data.savedAt || "";
  var statusBox = form.querySelector("[data-save-status]");
  var counter = form.querySelector("[data-counter]");
  var alertBox = document.getElementById("unanswered-alert");
  var list = alertBox ? alertBox.querySelector("[data-unanswered-list]") : null;
  var gotoFirst = alertBox ? alertBox.querySelector("[data-goto-first]") : null;
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]"));
  var answerInputs = Array.prototype.slice.call(
    form.querySelectorAll('input[name^="q-"], input[name^="conf-"]')
  );

  var version = 0; // bumped on every change; a save confirms the version it sent
  var saveTimer = null;
  var retryTimer = null;
  var inFlight = false;
  var finished = false; // submitted (here or elsewhere) or timed out: nothing more to save
  var controller = null; // aborts the save in flight when the form is submitted
  var flagging = Boolean(alertBox && !alertBox.hidden);

  // --- the answers ---------------------------------------------------------------------------

  function currentAnswers() {
    var out = {};
    answerInputs.forEach(function (input) {
      if (!Object.prototype.hasOwnProperty.call(out, input.name)) {
        out[input.name] = [];
      }
      if (input.checked) {
        out[input.name].push(input.value);
      }
    });
    return out;
  }

  function applyAnswers(answers) {
    answerInputs.forEach(function (input) {
      if (Object.prototype.hasOwnProperty.call(answers, input.name)) {
        input.checked = answers[input.name].indexOf(input.value) !== -1;
      }
    });
  }

  function sameAnswers(a, b) {
    var names = Object.keys(a).concat(Object.keys(b));
    return names.every(function (name) {
      var x = (a[name] || []).slice().sort().join("\n");
      var y = (b[name] || []).slice().sort().join("\n");
      return x === y;
    });
  }

  function keepOnDevice() {
    writeLocal(key, { answers: currentAnswers(), base: serverSavedAt, at: Date.now() });
  }

  function isAnswered(fieldset) {
    return Boolean(fieldset.querySelector('input[name^="q-"]:checked'));
  }

  // --- what the learner is told --------------------------------------------------------------

  function setStatus(text, linkText, linkHref) {
    if (!statusBox) {
      return;
    }
    var wanted = text + (linkText ? " " + linkText : "");
    if (statusBox.textContent === wanted) {
      return; // the same words again would be announced again
    }
    statusBox.textContent = text;
    if (linkText) {
      var link = document.createElement("a");
      link.href = linkHref;
      link.textContent = linkText;
      statusBox.appendChild(document.createTextNode(" "));
      statusBox.appendChild(link);
    }
  }

  function updateCounter() {
    if (!counter) {
      return;
    }
    var answered = questions.filter(isAnswered).length;
    var text = format(data.msgCounter, { answered: answered, total: questions.length });
    if (counter.textContent.trim() !== text) {
      counter.textContent = text;
    }
  }

  // --- saving --------------------------------------------------------------------------------

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function requestBody() {
    var params = new URLSearchParams();
    var answers = currentAnswers();
    Object.keys(answers).forEach(function (name) {
      answers[name].forEach(function (value) {
        params.append(name, value);
      });
    });
    return params;
  }

  function scheduleSave(delay) {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(save, delay === undefined ? SAVE_DELAY : delay);
  }

  function scheduleRetry() {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(function () {
      if (readLocal(key)) {
        save();
      }
    }, RETRY_DELAY);
  }

  function save(options) {
    window.clearTimeout(saveTimer);
    saveTimer = null;
    if (finished || inFlight) {
      return; // a save in flight re-checks the version when it returns
    }
    inFlight = true;
    var sent = version;
    controller = window.AbortController ? new window.AbortController() : null;
    window
      .fetch(data.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
        keepalive: Boolean(options && options.keepalive),
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: requestBody(),
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (payload) {
            inFlight = false;
            handle(response.status, payload, sent);
          });
      })
      .catch(function () {
        inFlight = false;
        if (!finished) {
          notSaved();
        }
      });
  }

  // The form is on its way to the server (submit, "Save and finish later"): it carries every
  // answer, so stop autosaving rather than race it. The device copy stays until the result
  // page loads, in case this post does not get through.
  function leaving() {
    finished = true;
    window.clearTimeout(saveTimer);
    window.clearTimeout(retryTimer);
    if (controller) {
      controller.abort();
    }
  }

  function handle(status, payload, sent) {
    if (status === 200 && payload.saved) {
      window.clearTimeout(retryTimer);
      serverSavedAt = payload.saved_at || serverSavedAt;
      form.setAttribute("data-saved-at", serverSavedAt);
      if (version === sent) {
        removeLocal(key);
      } else {
        keepOnDevice(); // changed while saving: keep the newer answers and save them too
        scheduleSave();
      }
      setStatus(format(data.msgSaved, { time: payload.saved_time || "" }));
    } else if (status === 401 || status === 403) {
      // Logged out (or the session's security token went with it): keep everything here.
      setStatus(data.msgSession, data.msgLogin, data.loginUrl);
    } else if (status === 409) {
      finished = true;
      removeLocal(key);
      setStatus(payload.error || data.msgSubmitted, data.msgResult, payload.result_url || form.action);
    } else if (status === 400 || status === 404) {
      setStatus(format(data.msgError, { error: payload.error || "" }));
    } else {
      notSaved();
    }
  }

  function notSaved() {
    setStatus(data.msgOffline);
    scheduleRetry();
  }

  // --- unanswered questions ------------------------------------------------------------------

  function goTo(fieldset) {
    var target =
      fieldset.querySelector('input[name^="q-"]:checked') ||
      fieldset.querySelector('input[name^="q-"]');
    if (target) {
      target.focus();
    }
  }

  function questionLink(fieldset) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = "#" + fieldset.id;
    link.textContent = format(data.msgQuestion, { number: fieldset.getAttribute("data-number") });
    item.appendChild(link);
    return item;
  }

  function refreshFlags() {
    var missing = [];
    questions.forEach(function (fieldset) {
      var unanswered = !isAnswered(fieldset);
      var flag = fieldset.querySelector("[data-unanswered-flag]");
      var show = flagging && unanswered;
      fieldset.classList.toggle("quiz-question--unanswered", show);
      if (flag) {
        flag.hidden = !show;
      }
      if (unanswered) {
        missing.push(fieldset);
      }
    });
    if (!alertBox || !flagging) {
      return missing;
    }
    if (!missing.length) {
      alertBox.hidden = true;
      flagging = false;
      return missing;
    }
    list.textContent = "";
    missing.forEach(function (fieldset) {
      list.appendChild(questionLink(fieldset));
    });
    gotoFirst.href = "#" + missing[0].id;
    gotoFirst.textContent = format(data.msgGoto, {
      number: missing[0].getAttribute("data-number"),
    });
    return missing;
  }

  if (alertBox) {
    alertBox.addEventListener("click", function (event) {
      var link = event.target.closest('a[href^="#question-"]');
      if (!link) {
        return;
      }
      var fieldset = document.getElementById(link.getAttribute("href").slice(1));
      if (fieldset) {
        event.preventDefault();
        goTo(fieldset);
      }
    });
  }

  // --- events --------------------------------------------------------------------------------

  form.addEventListener("change", function (event) {
    var name = event.target && event.target.name;
    if (!name || !/^(q|conf)-/.test(name)) {
      return;
    }
    version += 1;
    keepOnDevice();
    updateCounter();
    if (flagging) {
      refreshFlags();
    }
    scheduleSave();
  });

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter || document.activeElement;
    var name = submitter && submitter.name;
    if (!navigator.onLine) {
      event.preventDefault();
      keepOnDevice();
      setStatus(data.msgOfflineSubmit);
      return;
    }
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    if (token && csrfToken()) {
      token.value = csrfToken(); // the token changes when the learner logs in again
    }
    if (name === "action" || name === "confirm_unanswered") {
      leaving();
      return; // "Save and finish later", or "Submit anyway"
    }
    flagging = true;
    var missing = refreshFlags();
    if (!missing.length) {
      leaving();
      return;
    }
    event.preventDefault();
    alertBox.hidden = false;
    alertBox.focus();
  });

  window.addEventListener("online", function () {
    if (readLocal(key)) {
      save();
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (!readLocal(key)) {
      return;
    }
    if (document.visibilityState === "hidden") {
      save({ keepalive: true }); // leaving the page or the app: try once more now
    } else {
      save(); // back (perhaps after logging in again in another tab)
    }
  });

  // --- on load: put back answers this device kept that the server does not have yet -----------

  var kept = readLocal(key);
  if (kept && kept.answers) {
    var newer = !serverSavedAt || !kept.base || kept.base >= serverSavedAt;
    if (newer && !sameAnswers(kept.answers, currentAnswers())) {
      applyAnswers(kept.answers);
      version += 1;
      setStatus(data.msgRestored);
      save();
    } else {
      removeLocal(key); // the server has these answers, or newer ones from another device
    }
  }
  updateCounter();
  if (flagging) {
    refreshFlags();
    alertBox.focus();
  }
})();
