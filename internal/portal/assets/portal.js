// halobridge portal: the little the pages need beyond htmx. A request
// htmx could not complete (the server or the network failed) says so in the
// page's flash area instead of doing nothing.
document.addEventListener("htmx:sendError", function () {
  var flash = document.getElementById("flash");
  if (flash) {
    flash.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash error";
    p.setAttribute("role", "alert");
    p.textContent = "halobridge did not answer. Check your connection and try again.";
    flash.appendChild(p);
  }
});

// The variables of a title template: a search box narrows the list, and a
// click puts the variable where the cursor is in the title field. Without
// this script the list is a plain list to copy from.
function enhanceVariables(root) {
  root.querySelectorAll("ul.variable-list").forEach(function (list) {
    if (list.dataset.enhanced) {
      return;
    }
    list.dataset.enhanced = "1";
    var box = list.parentElement;
    var search = box.querySelector(".variable-search");
    var help = box.querySelector(".variable-help");
    if (search) {
      search.hidden = false;
      search.addEventListener("input", function () {
        var term = search.value.trim().toLowerCase();
        list.querySelectorAll("li").forEach(function (li) {
          li.hidden = term !== "" && li.textContent.toLowerCase().indexOf(term) < 0;
        });
      });
    }
    if (help) {
      help.hidden = false;
    }
    list.querySelectorAll("code[data-variable]").forEach(function (code) {
      code.setAttribute("role", "button");
      code.tabIndex = 0;
      var insert = function () {
        var field = document.getElementById(list.dataset.insertInto);
        if (!field) {
          return;
        }
        var text = "{{" + code.dataset.variable + "}}";
        var start = field.selectionStart == null ? field.value.length : field.selectionStart;
        var end = field.selectionEnd == null ? start : field.selectionEnd;
        field.value = field.value.slice(0, start) + text + field.value.slice(end);
        field.focus();
        field.setSelectionRange(start + text.length, start + text.length);
        field.dispatchEvent(new Event("input", { bubbles: true }));
      };
      code.addEventListener("click", insert);
      code.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          insert();
        }
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { enhanceVariables(document); });
document.addEventListener("htmx:load", function (e) { enhanceVariables(e.target); });
