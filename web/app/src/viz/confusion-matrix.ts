// Confusion matrix: counts[true][predicted], and an accessible HTML table whose cells are
// shaded by the row-normalized value (the share of each true class that went where).

import { colormap, luminance } from './heatmap.js';

export function confusionMatrix(trueLabels: ArrayLike<number>, predLabels: ArrayLike<number>, numClasses: number): number[][] {
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new Error(`confusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
  if (trueLabels.length !== predLabels.length) {
    throw new Error(`confusionMatrix: ${trueLabels.length} true labels but ${predLabels.length} predictions`);
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < trueLabels.length; i++) {
    const t = trueLabels[i]!, p = predLabels[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= numClasses || !Number.isInteger(p) || p < 0 || p >= numClasses) {
      throw new Error(`confusionMatrix: sample ${i} has true label ${t} and prediction ${p}; both must be integers in [0, ${numClasses})`);
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

export interface ConfusionMatrixOptions {
  onCellClick?: (trueIdx: number, predIdx: number) => void;
  caption?: string;
}

export function renderConfusionMatrix(container: HTMLElement, matrix: number[][], classNames: string[],
                                      opts: ConfusionMatrixOptions = {}): HTMLTableElement {
  const n = matrix.length;
  if (classNames.length !== n || matrix.some((r) => r.length !== n)) {
    throw new Error(`renderConfusionMatrix: matrix must be ${classNames.length}x${classNames.length} to match the class names`);
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
  hr.appendChild(corner);
  for (const name of classNames) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    hr.appendChild(th);
  }
  thead.appendChild(hr);
  table.appendChild(thead);

  const tbody = document.createElement('tbody');
  for (let t = 0; t < n; t++) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = classNames[t]!;
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
      inner.style.cssText = 'display:block;min-width:2.6em;min-height:2.2em;padding:0.3em;color:inherit;background:none;border:0;font:inherit;';
      if (onCellClick) {
        const btn = inner as HTMLButtonElement;
        btn.type = 'button';
        btn.setAttribute('aria-label', label);
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
