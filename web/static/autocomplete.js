// vietsearch autocomplete: completions from /api/suggest as you type, accents optional.
// A combobox with a listbox (WAI-ARIA): ArrowDown/ArrowUp move, Enter picks and searches,
// Escape closes. Without this script the form still works as a plain search form.
(function () {
  "use strict";

  const DEBOUNCE_MS = 150;

  function setup(input) {
    const form = input.form;
    const endpoint = input.dataset.suggestUrl;
    const list = document.createElement("ul");
    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Gợi ý tìm kiếm");
    list.hidden = true;
    form.appendChild(list);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    let items = [];
    let active = -1;
    let timer = null;
    let pending = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", String(items.length > 0));
    }

    function render(completions) {
      list.replaceChildren();
      items = completions;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      completions.forEach(function (text, i) {
        const option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = text;
        list.appendChild(option);
      });
      open();
    }

    function highlight(index) {
      const options = list.children;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "false");
      }
      active = index;
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      input.value = items[index];
      close();
      form.requestSubmit();
    }

    function fetchCompletions() {
      const typed = input.value;
      if (pending) {
        pending.abort();
      }
      if (typed.trim().length < 2) {
        render([]);
        return;
      }
      pending = new AbortController();
      fetch(endpoint + "?q=" + encodeURIComponent(typed), {
        signal: pending.signal,
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : { completions: [] };
        })
        .then(function (data) {
          // A slower answer for an older prefix must not replace a newer one.
          if (input.value === typed && document.activeElement === input) {
            render(data.completions || []);
          }
        })
        .catch(function () {
          /* aborted or offline: keep the form usable without suggestions */
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchCompletions, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      const shown = !list.hidden && items.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!shown) {
          if (items.length > 0) {
            open();
          } else {
            fetchCompletions();
          }
          return;
        }
        const step = event.key === "ArrowDown" ? 1 : -1;
        const start = active < 0 && step < 0 ? items.length : active;
        highlight((start + step + items.length) % items.length);
      } else if (event.key === "Enter" && shown && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && shown) {
        event.preventDefault();
        close();
      }
    });

    // mousedown would blur the input (and close the list) before the click lands.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      const option = event.target.closest("[role=option]");
      if (option) {
        choose(Array.prototype.indexOf.call(list.children, option));
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-suggest-url]").forEach(setup);
})();
