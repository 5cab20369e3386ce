// A bar chart drawn by Chart.js (MIT, npm `chart.js`) on a canvas: only the parts a bar chart
// needs are registered, so the bundle stays small. Amounts are in whole currency units and the
// axis and tooltips format them in the person's language. The canvas is an image with a label;
// each chart sits next to a table of the same figures (for screen readers, print and copying).
import { useEffect, useRef } from "react";
import { BarController, BarElement, CategoryScale, Chart as ChartJs, Legend, LinearScale, Tooltip } from "chart.js";
import { INTL_LOCALE, useI18n } from "../i18n";

ChartJs.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Colours that stay apart in print (grey scale) by lightness, and for colour-blind readers. */
export const SERIES_COLOURS = ["#2752c9", "#1d7a46", "#e0a100", "#b3261e", "#6b4fbb", "#5b6475"];

export interface BarSeries {
  label: string;
  values: number[];
}

interface Props {
  labels: string[];
  series: BarSeries[];
  currency: string;
  /** What the values are: amounts in `currency` (default), hours, or percentages. */
  unit?: "money" | "hours" | "percent";
  /** The image's label ("Chart: Revenue by month (EUR)"). */
  label: string;
  /** Horizontal bars (long category names, such as clients). */
  horizontal?: boolean;
  testId?: string;
}

export function BarChart({ labels, series, currency, unit = "money", label, horizontal = false, testId }: Props) {
  const { locale } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const money =
      unit === "money"
        ? new Intl.NumberFormat(INTL_LOCALE[locale], { style: "currency", currency, maximumFractionDigits: 0 })
        : unit === "percent"
          ? new Intl.NumberFormat(INTL_LOCALE[locale], { style: "percent", maximumFractionDigits: 0 })
          : { format: (v: number) => `${new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 1 }).format(v)} h` };
    const chart = new ChartJs(el, {
      type: "bar",
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.values,
          backgroundColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
          borderWidth: 0,
        })),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        // Sharp in print as on a phone's dense screen.
        devicePixelRatio: Math.max(2, window.devicePixelRatio || 1),
        locale: INTL_LOCALE[locale],
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: { label: (ctx) => `${ctx.dataset.label ?? ""}: ${money.format(Number(ctx.parsed[horizontal ? "x" : "y"]))}` },
          },
        },
        scales: {
          [horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { callback: (v: string | number) => money.format(Number(v)) } },
        },
      },
    });
    // Printing lays the page out anew: redraw at the printed size.
    const resize = () => chart.resize();
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
    return () => {
      window.removeEventListener("beforeprint", resize);
      window.removeEventListener("afterprint", resize);
      chart.destroy();
    };
  }, [labels, series, currency, unit, horizontal, locale]);

  return (
    <div className={`chart${horizontal ? " chart-horizontal" : ""}`}>
      <canvas ref={canvas} role="img" aria-label={label} data-testid={testId} />
    </div>
  );
}

/** Offers a text as a file download (a CSV built from the figures shown). */
export function downloadText(filename: string, text: string, type = "text/csv;charset=utf-8"): void {
  // A byte-order mark makes spreadsheet programs read the file as UTF-8.
  const blob = new Blob(["\ufeff", text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
