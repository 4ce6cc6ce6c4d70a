/* Accessible names the bundled components leave out (checked with axe-core in
   tests/test_browser.py): the paging buttons of Dash's DataTable, and the date picker's
   opener, a div with aria-expanded but no role. Applied to what is on the page and to what
   Dash renders later. */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || navigator.language || "").toLowerCase()
    .indexOf("zh") === 0;
  var names = {
    "first-page": zh ? "第一页" : "First page",
    "previous-page": zh ? "上一页" : "Previous page",
    "next-page": zh ? "下一页" : "Next page",
    "last-page": zh ? "最后一页" : "Last page",
  };
  function mend(root) {
    Object.keys(names).forEach(function (cls) {
      root.querySelectorAll("button." + cls + ":not([aria-label])").forEach(function (b) {
        b.setAttribute("aria-label", names[cls]);
        b.setAttribute("title", names[cls]);
      });
    });
    root.querySelectorAll("div[aria-haspopup]:not([role])").forEach(function (d) {
      d.setAttribute("role", "button");
    });
  }
  var pending = false;
  function later() {  // at most twice a second: the map moves many nodes while it pans
    if (pending) return;
    pending = true;
    setTimeout(function () { pending = false; mend(document); }, 500);
  }
  function start() {
    mend(document);
    new MutationObserver(later).observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
