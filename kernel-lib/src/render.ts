/**
 * @cbm-kit/kernel-lib/render – turns the library's Vega-Lite chart specs into SVG in plain Node.
 * It is a separate entry because it loads vega (about 2 MB): the numeric root entry stays small
 * enough for a browser or Excel bundle, and only notebooks and reports import this one.
 *
 * @example
 * import { gainsTable } from '@cbm-kit/kernel-lib';
 * import { gainsChart } from '@cbm-kit/kernel-lib/charts';
 * import { renderSvg } from '@cbm-kit/kernel-lib/render';
 * const svg = await renderSvg(gainsChart(gainsTable([0.9, 0.2, 0.7, 0.4], [1, 0, 1, 0], { groups: 2 })));
 */
export { renderSvg } from './render/svg';
