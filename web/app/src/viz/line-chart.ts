// Line chart for training curves (loss, accuracy; train and validation), redrawn live
// after every batch or epoch. NaN or infinite y values break the line into segments.

import { fitCanvasToLayout, foregroundColor } from './canvas.js';

export interface LineSeries {
  name: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel?: string;
  yLabel?: string;
  series: LineSeries[];
  yMin?: number;
  yMax?: number;
}

export interface Extent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  empty: boolean;
}

// Data range over finite points; yMin/yMax override the data. A zero-width range is
// widened so that a single point or a flat line still gets a usable axis.
export function seriesExtent(series: LineSeries[], yMin?: number, yMax?: number): Extent {
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      if (Number.isFinite(p.x)) {
        x0 = Math.min(x0, p.x);
        x1 = Math.max(x1, p.x);
      }
      if (Number.isFinite(p.x) && Number.isFinite(p.y)) {
        y0 = Math.min(y0, p.y);
        y1 = Math.max(y1, p.y);
      }
    }
  }
  const empty = !(x0 <= x1);
  if (empty) {
    x0 = 0;
    x1 = 1;
  }
  if (!(y0 <= y1)) {
    y0 = 0;
    y1 = 1;
  }
  if (yMin !== undefined && Number.isFinite(yMin)) y0 = yMin;
  if (yMax !== undefined && Number.isFinite(yMax)) y1 = yMax;
  if (x1 - x0 === 0) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (y1 - y0 <= 0) {
    const pad = Math.abs(y0) > 0 ? Math.abs(y0) * 0.1 : 0.5;
    if (yMin !== undefined && yMax === undefined) y1 = y0 + 2 * pad;
    else if (yMax !== undefined && yMin === undefined) y0 = y1 - 2 * pad;
    else {
      y0 -= pad;
      y1 += pad;
    }
  }
  return { x0, x1, y0, y1, empty };
}

// About `count` round tick values (steps of 1, 2 or 5 times a power of ten) inside [lo, hi].
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo || count < 1) return [];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / mag;
  // Nearest of 1, 2, 5, 10 on a log scale (cut points at their geometric means).
  const step = (r < Math.SQRT2 ? 1 : r < Math.sqrt(10) ? 2 : r < Math.sqrt(50) ? 5 : 10) * mag;
  const ticks: number[] = [];
  // A tiny tolerance keeps the end ticks despite floating-point error.
  const eps = step * 1e-9;
  for (let v = Math.ceil((lo - eps) / step) * step; v <= hi + eps; v += step) {
    ticks.push(Math.abs(v) < eps ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

function formatTick(v: number, step: number): string {
  if (step >= 1 && Number.isInteger(v)) return String(v);
  const digits = Math.min(6, Math.max(0, -Math.floor(Math.log10(step))));
  return v.toFixed(digits);
}

export function drawLineChart(canvas: HTMLCanvasElement, spec: LineChartSpec): void {
  const { ctx, width, height } = fitCanvasToLayout(canvas);
  const fg = foregroundColor(canvas);
  const font = 'system-ui, -apple-system, "Segoe UI", sans-serif';
  ctx.clearRect(0, 0, width, height);

  // Title and legend on top, tick labels and axis labels around the plot.
  const top = 44,
    right = 12,
    bottom = spec.xLabel ? 40 : 26,
    left = spec.yLabel ? 60 : 46;
  const plotW = Math.max(10, width - left - right);
  const plotH = Math.max(10, height - top - bottom);
  const ext = seriesExtent(spec.series, spec.yMin, spec.yMax);
  // Round the free ends of the y range out to tick values, so the curve never touches the frame.
  const yTickCount = Math.max(2, Math.floor(plotH / 32));
  const roughTicks = niceTicks(ext.y0, ext.y1, yTickCount);
  if (roughTicks.length > 1) {
    const step = roughTicks[1]! - roughTicks[0]!;
    if (spec.yMin === undefined) ext.y0 = Math.floor(ext.y0 / step + 1e-9) * step;
    if (spec.yMax === undefined) ext.y1 = Math.ceil(ext.y1 / step - 1e-9) * step;
  }
  const sx = (x: number) => left + ((x - ext.x0) / (ext.x1 - ext.x0)) * plotW;
  const sy = (y: number) => top + plotH - ((y - ext.y0) / (ext.y1 - ext.y0)) * plotH;

  ctx.fillStyle = fg;
  ctx.font = `600 13px ${font}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(spec.title, left, 4, plotW);

  // Legend: one swatch per series, wrapping is not needed for the few series we show.
  ctx.font = `11px ${font}`;
  ctx.textBaseline = 'middle';
  let lx = left;
  for (const s of spec.series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [5, 3] : []);
    ctx.beginPath();
    ctx.moveTo(lx, 30);
    ctx.lineTo(lx + 18, 30);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = fg;
    ctx.fillText(s.name, lx + 22, 30);
    lx += 22 + ctx.measureText(s.name).width + 14;
  }

  // Grid and ticks.
  ctx.strokeStyle = fg;
  ctx.globalAlpha = 0.15;
  ctx.lineWidth = 1;
  const yTicks = niceTicks(ext.y0, ext.y1, yTickCount);
  const xTicksRaw = niceTicks(ext.x0, ext.x1, Math.max(2, Math.floor(plotW / 70)));
  // Epochs and steps are integers: when every x is, do not label fractional positions.
  const integerX = spec.series.every((s) => s.points.every((p) => !Number.isFinite(p.x) || Number.isInteger(p.x)));
  const xTicks = ext.empty ? [] : integerX ? xTicksRaw.filter(Number.isInteger) : xTicksRaw;
  for (const t of yTicks) {
    ctx.beginPath();
    ctx.moveTo(left, Math.round(sy(t)) + 0.5);
    ctx.lineTo(left + plotW, Math.round(sy(t)) + 0.5);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;

  ctx.strokeStyle = fg;
  ctx.beginPath();
  ctx.moveTo(left + 0.5, top);
  ctx.lineTo(left + 0.5, top + plotH + 0.5);
  ctx.lineTo(left + plotW, top + plotH + 0.5);
  ctx.stroke();

  ctx.fillStyle = fg;
  ctx.font = `11px ${font}`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  for (const t of yTicks) ctx.fillText(formatTick(t, yStep), left - 5, sy(t));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
  for (const t of xTicks) {
    ctx.beginPath();
    ctx.moveTo(sx(t), top + plotH);
    ctx.lineTo(sx(t), top + plotH + 4);
    ctx.stroke();
    ctx.fillText(formatTick(t, xStep), sx(t), top + plotH + 6);
  }
  if (spec.xLabel) ctx.fillText(spec.xLabel, left + plotW / 2, height - 14);
  if (spec.yLabel) {
    ctx.save();
    ctx.translate(12, top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(spec.yLabel, 0, 0);
    ctx.restore();
  }

  if (ext.empty) {
    ctx.globalAlpha = 0.6;
    ctx.textBaseline = 'middle';
    ctx.fillText('no data yet', left + plotW / 2, top + plotH / 2);
    ctx.globalAlpha = 1;
    return;
  }

  // Series, clipped to the plot so a fixed yMin/yMax cuts off outliers cleanly.
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top - 2, plotW + 2, plotH + 4);
  ctx.clip();
  for (const s of spec.series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    ctx.setLineDash(s.dashed ? [5, 3] : []);
    const pts = s.points;
    ctx.beginPath();
    let penDown = false;
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i]!;
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
        penDown = false;
        continue;
      }
      if (penDown) ctx.lineTo(sx(p.x), sy(p.y));
      else ctx.moveTo(sx(p.x), sy(p.y));
      penDown = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    // A point with no finite neighbour draws no line, so mark it with a dot.
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i]!;
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      const prev = pts[i - 1],
        next = pts[i + 1];
      const alone =
        !(prev && Number.isFinite(prev.x) && Number.isFinite(prev.y)) &&
        !(next && Number.isFinite(next.x) && Number.isFinite(next.y));
      if (alone || pts.length <= 30) {
        ctx.beginPath();
        ctx.arc(sx(p.x), sy(p.y), alone ? 3 : 2, 0, Math.PI * 2);
        ctx.fill();
      }
    }
  }
  ctx.restore();
}
