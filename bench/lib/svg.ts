/** Hand-written SVG charts (no native dependencies): a percentile-curve chart and horizontal (stacked) bars. */

const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export const colorAt = (i: number): string => palette[i % palette.length]!;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));

const tickFmt = (v: number) => String(Number(v.toPrecision(3)));

/** A 1-2-5 step giving about `n` intervals up to `max`. */
function niceStep(max: number, n: number): number {
  const raw = max / n;
  const e = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= raw) return m * e;
  return 10 * e;
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
    }
  }
  return out;
}

export interface CurveSeries {
  name: string;
  /** (percentile 0..100, value) points, ascending in percentile. */
  points: { p: number; v: number }[];
}

/**
 * Latency by percentile: x is the percentile on a tail-stretching scale
 * (-log10(1 - p)), so p50, p90, p99 and p99.9 are evenly spaced; y is the
 * latency on a log scale.
 */
export function percentileChart(title: string, unit: string, series: CurveSeries[]): string {
  const W = 860, H = 460, L = 70, R = 210, T = 40, B = 50;
  const pw = W - L - R, ph = H - T - B;
  const tail = (p: number) => -Math.log10(1 - Math.min(p, 99.9) / 100);
  const xMax = tail(99.9);
  const vals = series.flatMap((s) => s.points.map((q) => q.v)).filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.max(1e-3, Math.min(...vals)) / 1.2, hi = Math.max(...vals) * 1.2;
  const X = (p: number) => L + (tail(p) / xMax) * pw;
  const Y = (v: number) => T + ph - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(text(W / 2, 22, title, 'text-anchor="middle" font-size="15" font-weight="bold"'));
  for (const p of [0, 50, 90, 99, 99.9]) {
    out.push(`<line x1="${X(p)}" y1="${T}" x2="${X(p)}" y2="${T + ph}" stroke="#ddd"/>`);
    out.push(text(X(p), T + ph + 16, p === 0 ? 'min' : `p${p}`, 'text-anchor="middle"'));
  }
  for (const v of logTicks(lo, hi)) {
    out.push(`<line x1="${L}" y1="${Y(v)}" x2="${L + pw}" y2="${Y(v)}" stroke="#eee"/>`);
    out.push(text(L - 6, Y(v) + 4, tickFmt(v), 'text-anchor="end"'));
  }
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(text(L + pw / 2, H - 10, 'percentile (tail-stretched scale)', 'text-anchor="middle"'));
  out.push(text(16, T + ph / 2, `latency (${unit}, log scale)`, `text-anchor="middle" transform="rotate(-90 16 ${T + ph / 2})"`));
  series.forEach((s, i) => {
    const pts = s.points.filter((q) => q.p <= 99.9).map((q) => `${X(q.p).toFixed(1)},${Y(q.v).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${colorAt(i)}" stroke-width="2" points="${pts.join(' ')}"/>`);
    const ly = T + 10 + i * 18;
    out.push(`<line x1="${L + pw + 14}" y1="${ly}" x2="${L + pw + 34}" y2="${ly}" stroke="${colorAt(i)}" stroke-width="3"/>`);
    out.push(text(L + pw + 40, ly + 4, s.name));
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface BarRow {
  label: string;
  segments: { name: string; value: number }[];
  /** Printed after the bar (defaults to the total). */
  note?: string;
}

/** Horizontal bars, stacked by segment name (one colour per segment name across rows). */
export function barChart(title: string, unit: string, rows: BarRow[]): string {
  const names = [...new Set(rows.flatMap((r) => r.segments.map((s) => s.name)))];
  const W = 860, L = 230, R = 120, T = 40, rowH = 26;
  const legendRows = names.length > 1 ? names.length : 0;
  const axisY = T + rows.length * rowH + 4;
  const H = axisY + 44 + legendRows * 18;
  const pw = W - L - R;
  const top = Math.max(1e-9, ...rows.map((r) => r.segments.reduce((a, s) => a + (Number.isFinite(s.value) && s.value > 0 ? s.value : 0), 0)));
  const step = niceStep(top, 5);
  const ticks = Math.ceil(top / step);
  const max = ticks * step;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(text(W / 2, 22, title, 'text-anchor="middle" font-size="15" font-weight="bold"'));
  for (let k = 0; k <= ticks; k++) {
    const x = L + (pw * k) / ticks;
    out.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${axisY + 4}" stroke="#e4e4e4"/>`);
    out.push(text(x, axisY + 16, tickFmt(k * step), 'text-anchor="middle"'));
  }
  out.push(`<line x1="${L}" y1="${axisY}" x2="${L + pw}" y2="${axisY}" stroke="#888"/>`);
  out.push(text(L + pw / 2, axisY + 32, unit, 'text-anchor="middle"'));
  rows.forEach((r, i) => {
    const y = T + i * rowH;
    out.push(text(L - 8, y + rowH / 2 + 4, r.label, 'text-anchor="end"'));
    let x = L;
    let total = 0;
    for (const s of r.segments) {
      if (!Number.isFinite(s.value) || s.value <= 0) continue;
      const w = (s.value / max) * pw;
      out.push(`<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${colorAt(names.indexOf(s.name))}"><title>${esc(`${s.name}: ${fmt(s.value)} ${unit}`)}</title></rect>`);
      x += w;
      total += s.value;
    }
    out.push(text(x + 6, y + rowH / 2 + 4, r.note ?? `${fmt(total)} ${unit}`));
  });
  names.forEach((n, i) => {
    if (!legendRows) return;
    const ly = axisY + 52 + i * 18;
    out.push(`<rect x="${L}" y="${ly - 10}" width="12" height="12" fill="${colorAt(i)}"/>`);
    out.push(text(L + 18, ly, n));
  });
  out.push('</svg>');
  return out.join('\n');
}
