/* ReviewBench keyboard navigation for the checklist: j/n next item, k/p previous, Enter answers.
   No framework; htmx swaps items in place, so items are looked up on every key press. */
(function () {
  "use strict";

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("#checklist [data-item]"));
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "textarea" || tag === "select" || target.isContentEditable ||
      (tag === "input" && target.type !== "radio" && target.type !== "checkbox");
  }

  function current(list) {
    var active = document.activeElement;
    for (var i = 0; i < list.length; i++) {
      if (list[i] === active || list[i].contains(active)) return i;
    }
    return -1;
  }

  function focusItem(item) {
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var list = items();
    if (!list.length) return;
    var index = current(list);
    var key = event.key;
    if (key === "j" || key === "n") {
      focusItem(list[Math.min(index + 1, list.length - 1)]);
      event.preventDefault();
    } else if (key === "k" || key === "p") {
      focusItem(list[Math.max(index - 1, 0)]);
      event.preventDefault();
    } else if (key === "Enter" && index >= 0 && document.activeElement === list[index]) {
      var field = list[index].querySelector("input:not([type=hidden]), textarea, select, button");
      if (field) {
        field.focus();
        event.preventDefault();
      }
    }
  });

  // After htmx swaps an answered item back in, keep the keyboard where the reviewer was.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id && target.id.indexOf("item-") === 0) {
      var swapped = document.getElementById(target.id);
      if (swapped) swapped.focus();
    }
  });
})();
