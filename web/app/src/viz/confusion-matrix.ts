// Confusion matrix: counts[true][predicted], and an accessible HTML table whose cells are
// shaded by the row-normalized value (the share of each true class that went where).
// Column headers are set vertically (read bottom to top) so long class names never run into
// each other however many classes there are; very long names are shortened with an ellipsis
// past MAX_HEADER_EM and keep the whole name in the tooltip and the cells' labels.

import { colormap, luminance } from './heatmap.js';

export function confusionMatrix(
  trueLabels: ArrayLike<number>,
  predLabels: ArrayLike<number>,
  numClasses: number,
): number[][] {
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new Error(`confusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
  if (trueLabels.length !== predLabels.length) {
    throw new Error(`confusionMatrix: ${trueLabels.length} true labels but ${predLabels.length} predictions`);
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < trueLabels.length; i++) {
    const t = trueLabels[i]!,
      p = predLabels[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= numClasses || !Number.isInteger(p) || p < 0 || p >= numClasses) {
      throw new Error(
        `confusionMatrix: sample ${i} has true label ${t} and prediction ${p}; both must be integers in [0, ${numClasses})`,
      );
    }
    m[t]![p]!++;
  }
  return m;
}

// Each row divided by its sum; an empty row stays all zero.
export function rowNormalize(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
}

/** Longest header before it is shortened, in em (about 28 characters). */
export const MAX_HEADER_EM = 16;

const HEADER_CSS =
  'padding:0.35em 0.5em;font-weight:600;text-align:left;vertical-align:bottom;border-bottom:1px solid currentColor;';

export interface ConfusionMatrixOptions {
  onCellClick?: (trueIdx: number, predIdx: number) => void;
  caption?: string;
}

export function renderConfusionMatrix(
  container: HTMLElement,
  matrix: number[][],
  classNames: string[],
  opts: ConfusionMatrixOptions = {},
): HTMLTableElement {
  const n = matrix.length;
  if (classNames.length !== n || matrix.some((r) => r.length !== n)) {
    throw new Error(
      `renderConfusionMatrix: matrix must be ${classNames.length}x${classNames.length} to match the class names`,
    );
  }
  const norm = rowNormalize(matrix);
  const table = document.createElement('table');
  table.className = 'confusion-matrix';
  table.style.borderCollapse = 'collapse';
  const caption = document.createElement('caption');
  caption.textContent = opts.caption ?? 'Confusion matrix: rows are true classes, columns are predicted classes';
  table.appendChild(caption);

  const thead = document.createElement('thead');
  const hr = document.createElement('tr');
  const corner = document.createElement('th');
  corner.scope = 'col';
  corner.textContent = 'true \\ predicted';
  corner.style.cssText = `${HEADER_CSS}white-space:nowrap;`;
  hr.appendChild(corner);
  for (const name of classNames) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.title = name;
    th.style.cssText = `${HEADER_CSS}padding:0.4em 0.15em;text-align:center;`;
    // The text sits in a vertical box of its own: writing-mode on the cell itself would turn
    // the whole column's layout in some browsers.
    const label = document.createElement('span');
    label.textContent = name;
    label.style.cssText =
      `display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;` +
      `max-height:${MAX_HEADER_EM}em;overflow:hidden;text-overflow:ellipsis;line-height:1.2;`;
    th.appendChild(label);
    hr.appendChild(th);
  }
  thead.appendChild(hr);
  table.appendChild(thead);

  const tbody = document.createElement('tbody');
  for (let t = 0; t < n; t++) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.title = classNames[t]!;
    th.style.cssText = 'padding:0.2em 0.6em 0.2em 0.2em;text-align:right;font-weight:600;';
    const rowLabel = document.createElement('span');
    rowLabel.textContent = classNames[t]!;
    rowLabel.style.cssText = `display:inline-block;vertical-align:middle;white-space:nowrap;max-width:${MAX_HEADER_EM}em;overflow:hidden;text-overflow:ellipsis;`;
    th.appendChild(rowLabel);
    tr.appendChild(th);
    for (let p = 0; p < n; p++) {
      const td = document.createElement('td');
      const share = norm[t]![p]!;
      const rgb = colormap(share);
      td.style.background = `rgb(${rgb.map(Math.round).join(', ')})`;
      td.style.color = luminance(rgb) > 0.35 ? '#111' : '#fff';
      td.style.textAlign = 'center';
      td.style.padding = '0';
      if (t === p) td.style.outline = '2px solid currentColor';
      td.dataset['true'] = String(t);
      td.dataset['pred'] = String(p);
      const label = `true ${classNames[t]}, predicted ${classNames[p]}: ${matrix[t]![p]} (${Math.round(share * 100)}% of ${classNames[t]})`;
      const count = String(matrix[t]![p]);
      const onCellClick = opts.onCellClick;
      // Buttons only when a click does something, so screen readers do not announce dead controls.
      const inner = onCellClick ? document.createElement('button') : document.createElement('span');
      inner.textContent = count;
      inner.style.cssText =
        'display:block;min-width:2.6em;min-height:2.2em;padding:0.3em;color:inherit;background:none;border:0;font:inherit;';
      if (onCellClick) {
        const btn = inner as HTMLButtonElement;
        btn.type = 'button';
        btn.setAttribute('aria-label', label);
        btn.title = label;
        btn.style.cursor = 'pointer';
        btn.addEventListener('click', () => onCellClick(t, p));
      } else {
        td.setAttribute('aria-label', label);
        td.title = label;
      }
      td.appendChild(inner);
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  table.appendChild(tbody);
  container.replaceChildren(table);
  return table;
}
