// Highlights the quote an RFC 5147 fragment (#char=start,end, in code points) names in the archived text.
(function () {
  const pre = document.getElementById("archived-text");
  if (!pre) return;
  const codePoints = Array.from(pre.textContent);
  function highlight() {
    const match = /^#char=(\d+),(\d+)$/.exec(window.location.hash);
    pre.textContent = codePoints.join("");
    if (!match) return;
    const start = Number(match[1]);
    const end = Number(match[2]);
    if (!(start < end && end <= codePoints.length)) return;
    const mark = document.createElement("mark");
    mark.id = "quote";
    mark.textContent = codePoints.slice(start, end).join("");
    pre.textContent = "";
    pre.append(codePoints.slice(0, start).join(""), mark, codePoints.slice(end).join(""));
    mark.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", highlight);
  highlight();
})();
