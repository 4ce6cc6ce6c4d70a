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
  function start() {
    mend(document);
    new MutationObserver(function () { mend(document); })
      .observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
