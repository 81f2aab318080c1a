// WAI-ARIA tabs: click or arrow keys (Home/End too) switch screens; one tab in the tab order.
import type { App } from '../state.js';

export function setupTabs(app: App): void {
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
  const select = (tab: HTMLButtonElement, focus = false) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')!)!.hidden = !on;
    }
    if (focus) tab.focus();
    document.body.dataset.screen = tab.id.replace('tab-', '');
    window.dispatchEvent(new CustomEvent('screen', { detail: tab.id.replace('tab-', '') }));
  };
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => select(t));
    t.addEventListener('keydown', (e) => {
      const k = e.key;
      let j = -1;
      if (k === 'ArrowRight') j = (i + 1) % tabs.length;
      else if (k === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
      else if (k === 'Home') j = 0;
      else if (k === 'End') j = tabs.length - 1;
      if (j >= 0) {
        e.preventDefault();
        select(tabs[j], true);
      }
    });
  });
  app.selectTab = (name) => {
    const t = tabs.find((x) => x.id === `tab-${name}`);
    if (t) select(t);
  };
}
