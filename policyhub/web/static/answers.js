// Answers before asking: as the question is typed, show the published Q&A and policy passages that may answer it.
// The page works without this script (its 先看看已有解答 button asks the server for the same list).
(function () {
  "use strict";
  var box = document.getElementById("answers-before-asking");
  var question = document.getElementById("question");
  if (!box || !question || !window.fetch || !window.DOMParser) { return; }
  var endpoint = box.getAttribute("data-endpoint");
  // Links go through the counter of opened answers (for this visit of the form), then to the policy page.
  var opened = box.getAttribute("data-opened");
  var visit = box.getAttribute("data-visit");
  var timer = null;
  var last = null;
  var latest = 0;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function link(kind, id, text) {
    var a = element("a", null, text);
    a.href = opened + kind + "/" + id + "?v=" + encodeURIComponent(visit);
    return a;
  }

  // The passage comes escaped by the server with <mark> around the question's words: keep only text and marks.
  function passage(html) {
    var out = element("p", "snippet");
    var parsed = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html").body.firstChild;
    Array.prototype.forEach.call(parsed.childNodes, function (node) {
      out.appendChild(node.nodeName === "MARK" ? element("mark", null, node.textContent)
        : document.createTextNode(node.textContent));
    });
    return out;
  }

  function render(found) {
    box.textContent = "";
    if (!found.qa.length && !found.policies.length) { return; }
    box.appendChild(element("h2", null, "这些已有解答可能就是您要找的"));
    var list = element("ul", "answer-list");
    found.qa.forEach(function (qa) {
      var item = element("li", "found found-qa");
      item.appendChild(link("qa", qa.id, "问：" + qa.question));
      item.appendChild(element("p", null, "答：" + qa.answer));
      item.appendChild(element("p", "meta", "政策问答 · " + qa.department + " · " + qa.policy.title));
      list.appendChild(item);
    });
    found.policies.forEach(function (policy) {
      var item = element("li", "found found-policy");
      item.appendChild(link("policy", policy.id, policy.title));
      item.appendChild(passage(policy.passage));
      item.appendChild(element("p", "meta", "政策原文 · " + policy.department));
      list.appendChild(item);
    });
    box.appendChild(list);
    box.appendChild(element("p", "hint", "没有找到答案？请继续填写并提交咨询，承办部门 2 个工作日内答复。"));
  }

  function look() {
    var text = question.value.trim();
    if (text === last) { return; }
    last = text;
    var mine = ++latest;
    if (text.length < 4) { box.textContent = ""; return; }
    fetch(endpoint + "?q=" + encodeURIComponent(text.slice(0, 200)), {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) { if (found && mine === latest) { render(found); } })
      .catch(function () { /* offline or limited: the form still works */ });
  }

  question.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(look, 350);
  });
  if (question.value.trim() && !box.children.length) { look(); }
}());
