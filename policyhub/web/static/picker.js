/* Search-as-you-type pickers: the industry by its GB/T 4754 name, the county by its name.
 *
 * Progressive enhancement only: without this script the forms work as they are (the calculator lists
 * the matching industries after 计算, registration takes a name or a code, the county is a plain select).
 * Served by the app itself (no CDN) and loaded as a file, as the Content-Security-Policy requires.
 */
(function () {
  "use strict";

  var CODE_SHAPE = /^[A-Za-z]?[0-9]{1,4}$/;
  var counter = 0;

  function suggestionList(input) {
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = input.id + "-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    return list;
  }

  function industryPicker(input) {
    var url = input.getAttribute("data-industry-search");
    var codeFieldName = input.getAttribute("data-code-field");  // calculator: the code goes to its own field
    var form = input.form;
    var list = suggestionList(input);
    // The server may have named the code already (values carried from the calculator): reuse that note.
    var note = form.querySelector(".picked[data-for='" + input.id + "']");
    if (!note) {
      note = document.createElement("small");
      note.className = "picked";
      note.setAttribute("aria-live", "polite");
      list.insertAdjacentElement("afterend", note);
    }
    var items = [];
    var active = -1;
    var timer = null;
    var pending = null;

    function codeField() {
      if (!codeFieldName) return input;
      var field = form.querySelector("input[type=hidden][name='" + codeFieldName + "']");
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = codeFieldName;
        input.insertAdjacentElement("beforebegin", field);
      }
      return field;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i++) options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      }
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      if (codeFieldName) {
        input.value = item.name;
        codeField().value = item.code;
        var choices = form.querySelector("fieldset.choices");  // the list the server offered without script
        if (choices) choices.remove();
      } else {
        input.value = item.code;
      }
      note.textContent = "已选择：" + item.code + " " + item.name;
      close();
    }

    function show(found) {
      items = found;
      list.textContent = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = "未找到该行业，请换个说法（如“铝”“软件”“餐饮”）";
        list.appendChild(none);
      }
      found.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = input.id + "-option-" + (++counter);
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-code", item.code);
        option.textContent = item.name + " ";
        var detail = document.createElement("span");
        detail.className = "meta";
        detail.textContent = item.code + (item.division ? " · " + item.division : "");
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the input
          choose(index);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function search() {
      var typed = input.value.trim();
      if (!typed || CODE_SHAPE.test(typed)) {
        close();
        return;
      }
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(typed), {headers: {Accept: "application/json"}, signal: pending.signal,
                                                      credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {items: []}; })
        .then(function (body) { if (input.value.trim() === typed) show(body.items || []); })
        .catch(function () { /* aborted by a newer search, or offline: the form still works without the list */ });
    }

    input.addEventListener("input", function () {
      note.textContent = "";
      if (codeFieldName) {
        codeField().value = "";  // a new name: the code chosen for the old one no longer holds
        var choices = form.querySelector("fieldset.choices");
        if (choices) choices.remove();
      }
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden || !items.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();  // choosing is not submitting
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function countyPicker(select) {
    var filter = document.createElement("input");
    filter.type = "search";
    filter.id = select.id + "-filter";
    filter.className = "county-filter";
    filter.placeholder = "输入区县名称筛选，如“博兴”";
    filter.setAttribute("aria-label", "按名称查找区县");
    filter.autocomplete = "off";
    select.insertAdjacentElement("beforebegin", filter);
    filter.addEventListener("input", function () {
      var typed = filter.value.trim();
      var shown = [];
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        var fits = !typed || option.text.indexOf(typed) !== -1;
        option.hidden = !fits;
        if (fits) shown.push(option);
      });
      if (typed && shown.length === 1) select.value = shown[0].value;
      else if (typed && shown.indexOf(select.selectedOptions[0]) === -1) select.value = "";
    });
  }

  document.querySelectorAll("input[data-industry-search]").forEach(industryPicker);
  document.querySelectorAll("select[data-county-search]").forEach(countyPicker);
})();
