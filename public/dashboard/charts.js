// Chart sections: a Chart.js canvas (window.Chart, loaded from /static/vendor/chart.js) with a table of exactly the
// same numbers under a <details> toggle, so screen readers and anyone who wants the figures get them.

/** Okabe-Ito: distinguishable with every common colour-vision deficiency. */
export const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
export const CREDIT_COLOUR = "#0072B2"; // blue
export const DEBIT_COLOUR = "#E69F00"; // orange
const GRID = "#e3e8ef";
const INK = "#334155";

/** @typedef {{ label: string, numeric?: boolean, optional?: boolean }} Column */
/** @typedef {{ caption: string, columns: Column[], rows: string[][], key: string }} TableSpec */

let defaultsSet = false;
function chartLib() {
  const Chart = /** @type {any} */ (window).Chart;
  if (!Chart) throw new Error("Chart.js did not load (/static/vendor/chart.js/chart.umd.min.js)");
  if (!defaultsSet) {
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    Chart.defaults.color = INK;
    Chart.defaults.animation = false; // calmer, and screenshots are deterministic
    Chart.defaults.maintainAspectRatio = false;
    defaultsSet = true;
  }
  return Chart;
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {(Node | string)[]} [children]
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

/** Numbers align right; optional columns are dropped on narrow screens. @param {Column | undefined} column */
function columnClass(column) {
  return [column?.numeric ? "num" : "", column?.optional ? "optional" : ""].filter(Boolean).join(" ");
}

/** @param {TableSpec} spec */
export function table(spec) {
  const head = el(
    "tr",
    {},
    spec.columns.map((c) => el("th", { scope: "col", class: columnClass(c), text: c.label })),
  );
  const body = spec.rows.map((row) =>
    el(
      "tr",
      {},
      row.map((cell, i) =>
        i === 0 ? el("th", { scope: "row", text: cell }) : el("td", { class: columnClass(spec.columns[i]), text: cell }),
      ),
    ),
  );
  return el("div", { class: "table-wrap" }, [
    el("table", { "data-table": spec.key }, [el("caption", { text: spec.caption }), el("thead", {}, [head]), el("tbody", {}, body)]),
  ]);
}

/**
 * Replaces a section's body (after its h2) with a chart and its table; `chart` is a Chart.js config.
 * @param {HTMLElement} section
 * @param {{ chart: any, description: string, table: TableSpec, empty?: boolean }} options
 */
export function renderChart(section, { chart, description, table: spec, empty = false }) {
  const Chart = chartLib();
  for (const canvas of section.querySelectorAll("canvas")) Chart.getChart(canvas)?.destroy();
  for (const node of [...section.children]) if (node.tagName !== "H2") node.remove();
  if (empty) {
    section.append(el("p", { class: "empty", text: "No transactions in this range." }));
    return;
  }
  const canvas = el("canvas", { role: "img", "aria-label": description });
  section.append(
    el("div", { class: `chart-box ${chart.type === "doughnut" ? "donut" : ""}` }, [canvas]),
    el("details", { class: "numbers" }, [el("summary", { text: "Show the numbers" }), table(spec)]),
  );
  new Chart(canvas, chart);
}

/**
 * A bar chart config with titled axes.
 * @param {{ labels: string[], datasets: { label: string, data: number[], backgroundColor: string | string[] }[], x: string, y: string, horizontal?: boolean }} o
 */
export function barChart({ labels, datasets, x, y, horizontal = false }) {
  const axis = (/** @type {string} */ title, /** @type {boolean} */ values) => ({
    title: { display: true, text: title, font: { weight: "bold" } },
    grid: { color: values ? GRID : "transparent" },
    beginAtZero: values,
    ticks: values ? { precision: 0 } : { autoSkip: true, maxRotation: 0 },
  });
  return {
    type: "bar",
    data: { labels, datasets: datasets.map((d) => ({ ...d, borderRadius: 3, maxBarThickness: 36 })) },
    options: {
      indexAxis: horizontal ? "y" : "x",
      scales: horizontal ? { x: axis(x, true), y: axis(y, false) } : { x: axis(x, false), y: axis(y, true) },
      plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
    },
  };
}

/** @param {{ labels: string[], data: number[], label: string }} o */
export function donutChart({ labels, data, label }) {
  return {
    type: "doughnut",
    data: {
      labels,
      datasets: [
        { label, data, backgroundColor: labels.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]), borderColor: "#fff", borderWidth: 2 },
      ],
    },
    options: { cutout: "58%", plugins: { legend: { position: "right", labels: { boxWidth: 14 } } } },
  };
}
