// Canvas sizing shared by the renderers: draw in CSS pixels on a backing store of
// CSS size x devicePixelRatio, so lines and text stay sharp on high-density screens.

export interface CanvasSize {
  ctx: CanvasRenderingContext2D;
  width: number; // CSS pixels
  height: number; // CSS pixels
}

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('viz: the canvas has no 2D context (was it already used for WebGL?)');
  return ctx;
}

function pixelRatio(): number {
  const dpr = (globalThis as { devicePixelRatio?: number }).devicePixelRatio;
  return dpr && dpr > 0 ? dpr : 1;
}

// Size a canvas whose CSS size is set by the page (stylesheet, inline style, or else its
// width/height attributes). The CSS size is remembered in data attributes, because once the
// backing store is scaled by the pixel ratio the attributes no longer tell it.
export function fitCanvasToLayout(canvas: HTMLCanvasElement): CanvasSize {
  const dpr = pixelRatio();
  const rememberedW = Number(canvas.dataset['cssWidth']) || 0;
  const rememberedH = Number(canvas.dataset['cssHeight']) || 0;
  let width = canvas.clientWidth;
  let height = canvas.clientHeight;
  if (!width || !height) {
    // Not laid out (hidden tab, detached): use the remembered or the attribute size.
    width = rememberedW || canvas.width;
    height = rememberedH || canvas.height;
  } else if (!canvas.style.width && width === canvas.width && height === canvas.height) {
    // No CSS size: the layout follows the attributes, i.e. our own backing store after a
    // first draw. Pin the intended size in CSS so that growing the store cannot grow the box.
    width = rememberedW || width;
    height = rememberedH || height;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  canvas.dataset['cssWidth'] = String(width);
  canvas.dataset['cssHeight'] = String(height);
  return sizeBackingStore(canvas, width, height, dpr);
}

// Size a canvas to content of a known CSS size (tile grids): the content decides.
export function fitCanvasToContent(canvas: HTMLCanvasElement, width: number, height: number): CanvasSize {
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.dataset['cssWidth'] = String(width);
  canvas.dataset['cssHeight'] = String(height);
  return sizeBackingStore(canvas, width, height, pixelRatio());
}

function sizeBackingStore(canvas: HTMLCanvasElement, width: number, height: number, dpr: number): CanvasSize {
  const bw = Math.max(1, Math.round(width * dpr));
  const bh = Math.max(1, Math.round(height * dpr));
  // Assigning width/height clears the canvas even when unchanged; that is what we want.
  canvas.width = bw;
  canvas.height = bh;
  const ctx = context2d(canvas);
  ctx.setTransform(bw / width, 0, 0, bh / height, 0, 0);
  return { ctx, width, height };
}

// The page's text colour, so charts follow light and dark themes.
export function foregroundColor(canvas: HTMLCanvasElement, fallback = '#222'): string {
  if (typeof getComputedStyle !== 'function') return fallback;
  const c = getComputedStyle(canvas).color;
  return c || fallback;
}
