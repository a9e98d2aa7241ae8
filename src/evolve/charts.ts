/**
 * Charts of research progress as self-contained SVG strings: no dependencies, fonts or scripts, inline styles only,
 * so a file opens in any browser and embeds in Markdown or HTML as it is.
 * - `lineChart` (charts/line-chart.ts): success against wall-clock time, e.g. mean ± SEM bands with the best run, or
 *   the team-average best step curve with its score-raising ideas marked.
 * - `barChart` (charts/bar-chart.ts): grouped bars with optional error bars, e.g. MRU and MTU per team size.
 * - `ideaTreeChart` (charts/idea-tree-chart.ts): the idea tree of paper Fig. 12: one lane per branch over time, the
 *   best idea's lineage, ideas borrowed between branches, and the team-average best below.
 * All text is escaped for XML and every coordinate is rounded to 2 decimals (charts/svg.ts). Elements carry classes
 * (`plot-area`, `series`, `band`, `marker`, `bar`, `node raised`, `edge lineage` …) so tests and stylesheets can find
 * them.
 */
export { type BarChartOptions, type BarSeries, barChart } from "./charts/bar-chart.js";
export {
  type IdeaTreeChartOptions,
  type IdeaTreeNode,
  type IdeaTreeView,
  ideaTreeChart,
} from "./charts/idea-tree-chart.js";
export { type ChartMarker, type LineChartOptions, type LineSeries, lineChart } from "./charts/line-chart.js";
export { escapeXml } from "./charts/svg.js";
