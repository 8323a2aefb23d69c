// shinsa's own script, two small things a stylesheet cannot do. Without
// it the navigation simply stays open and nothing else is lost.
document.documentElement.classList.add('js');

// A page wider than a phone's screen scrolls inside <main>; it is then a
// tab stop, so that a keyboard can scroll it too.
function scrollable() {
  const main = document.querySelector('main');
  if (!main) return;
  if (main.scrollWidth > main.clientWidth) main.setAttribute('tabindex', '0');
  else main.removeAttribute('tabindex');
}

document.addEventListener('DOMContentLoaded', () => {
  // On a narrow screen the navigation folds behind the menu button.
  const button = document.getElementById('menu-toggle');
  if (button) {
    button.addEventListener('click', () => {
      const open = button.closest('header').classList.toggle('open');
      button.setAttribute('aria-expanded', String(open));
    });
  }
  scrollable();
});
window.addEventListener('resize', scrollable);
document.addEventListener('htmx:afterSettle', scrollable);
