// Site-wide behaviour, kept tiny and local (no CDN): the phone menu toggle and the header's menu groups.
// The server renders the phone menu folded; its toggle is a link to #site-nav, which opens it without JavaScript.
document.documentElement.classList.replace("no-js", "js");
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".menu-toggle");
  if (toggle) {
    event.preventDefault();
    const nav = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
    return;
  }
  // A group's list drops down over the page on a desktop: a tap elsewhere closes it.
  document.querySelectorAll("details.nav-group[open]").forEach((group) => {
    if (!group.contains(event.target)) group.open = false;
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.nav-group[open]").forEach((group) => { group.open = false; });
});
