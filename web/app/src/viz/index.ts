// Visualization modules for the app: canvas/SVG/DOM renderers with no framework and no
// runtime dependencies. The pure parts (layout, normalization, matrices, colour maps) take
// plain data so that tests/unit/ can check them in Node without a DOM.

export { drawLineChart, niceTicks, seriesExtent } from './line-chart.js';
export type { LineChartSpec, LineSeries } from './line-chart.js';

export { featureMapTiles, drawFeatureMaps } from './feature-maps.js';
export type { FeatureMapTiles, FeatureMapOptions } from './feature-maps.js';

export { filterTiles, drawFilters } from './filters.js';
export type { FilterOptions, FilterTiles } from './filters.js';

export { imageGridPixels, drawImageGrid } from './image-grid.js';
export type { ImageGridOptions } from './image-grid.js';

export {
  layoutModelGraph,
  findResidualBlocks,
  renderModelGraph,
  summaryFromModelJson,
  nodeText,
  nodeWidthFor,
  canvasTextMeasure,
  MIN_NODE_W,
  MAX_NODE_W,
} from './model-graph.js';
export type {
  GraphLayout,
  GraphNode,
  GraphEdge,
  GraphBlock,
  GraphLayerInput,
  ResidualBlock,
  RenderGraphOptions,
  TextMeasure,
} from './model-graph.js';

export { confusionMatrix, rowNormalize, renderConfusionMatrix, MAX_HEADER_EM } from './confusion-matrix.js';
export type { ConfusionMatrixOptions } from './confusion-matrix.js';

export { colormap, luminance, bilinearResize, heatmapOverlayPixels, drawHeatmapOverlay } from './heatmap.js';
export type { HeatmapOptions } from './heatmap.js';

export { estimateTextWidth, ellipsize } from './text-fit.js';

export { predictionCaption, renderImageTiles } from './image-tiles.js';
export type { ImageTileItem, ImageTileOptions } from './image-tiles.js';

export { inspectGuide } from './inspect-guide.js';
export type { InspectGuide, InspectInputs, InspectStep } from './inspect-guide.js';
