// Drawing on the page is deferred and coalesced so that worker events never queue up work on
// the main thread: a job runs at the next animation frame when its screen is visible, or when
// the user opens that screen; repeated requests before then run once.
const pending = new Map<string, { screen: string; fn: () => void }>();
let frame = 0;

function visible(screen: string): boolean {
  return !document.getElementById(`panel-${screen}`)?.hidden;
}

function flush(): void {
  frame = 0;
  for (const [key, job] of [...pending]) {
    if (!visible(job.screen)) continue;
    pending.delete(key);
    job.fn();
  }
}

/** Runs fn soon if `screen` is visible, else when it becomes visible; the latest fn per key wins. */
export function draw(screen: string, key: string, fn: () => void): void {
  pending.set(key, { screen, fn });
  if (visible(screen) && !frame) frame = requestAnimationFrame(flush);
}

window.addEventListener('screen', () => {
  if (!frame && pending.size) frame = requestAnimationFrame(flush);
});
