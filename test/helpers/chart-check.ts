/**
 * Checks a Vega-Lite spec for the defects a reader sees as a broken chart, by reading the spec and
 * by rendering it headless with vega (no SVG: the scenegraph, where each mark item has its pixel
 * box):
 * - a channel without a field, value or datum (a field that was `undefined` when the spec was
 *   built), or a field that no data row carries (and no transform makes);
 * - a ranged bar or rect (x with x2) whose other axis is a quantity without its second end (y
 *   without y2): vega draws each item as a thin band of constant height, the "floating dashes";
 * - a bar, rect or area mark whose items have zero total area, or a position that is not a number.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

type Json = Record<string, unknown>;

function markType(unit: Json): string | undefined {
  const m = unit.mark;
  return typeof m === 'string' ? m : m !== null && typeof m === 'object' ? String((m as Json).type) : undefined;
}

/** Names the transforms make (every `as`, and fold's default key/value). */
function madeFields(transforms: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Json)) {
        if (k === 'as') for (const name of [x].flat()) out.push(String(name));
        else walk(x);
      }
      if ('fold' in (v as Json) && !('as' in (v as Json))) out.push('key', 'value');
    }
  };
  walk(transforms);
  return out;
}

function staticDefects(unit: Json, inherited: { rows: Json[] | null; made: string[] }, where: string, out: string[]): void {
  const values = (unit.data as Json | undefined)?.values;
  const rows = Array.isArray(values) ? (values as Json[]) : inherited.rows;
  const made = [...inherited.made, ...madeFields(unit.transform)];
  if (Array.isArray(unit.layer)) {
    (unit.layer as Json[]).forEach((layer, i) => staticDefects(layer, { rows, made }, `${where}layer ${i}: `, out));
    return;
  }
  const mark = markType(unit);
  const encoding = (unit.encoding ?? {}) as Record<string, Json | Json[]>;
  const available = new Set<string>(made);
  for (const r of rows ?? []) for (const k of Object.keys(r)) available.add(k);
  for (const [channel, def] of Object.entries(encoding)) {
    for (const d of Array.isArray(def) ? def : [def]) {
      if (d === null || typeof d !== 'object') {
        out.push(`${where}${mark} channel ${channel} is ${String(d)}`);
        continue;
      }
      const hasField = 'field' in d;
      if (hasField && (typeof d.field !== 'string' || d.field === '' || d.field === 'undefined')) {
        out.push(`${where}${mark} channel ${channel} has field ${JSON.stringify(d.field)}`);
      } else if (!hasField && !('value' in d) && !('datum' in d) && d.aggregate !== 'count' && !('condition' in d)) {
        out.push(`${where}${mark} channel ${channel} has no field, value or datum (an undefined field?)`);
      } else if (hasField && rows !== null && !d.aggregate && !/[.[\]\\]/.test(String(d.field)) && !available.has(String(d.field))) {
        out.push(`${where}${mark} channel ${channel}: no data row has the field ${JSON.stringify(d.field)}`);
      }
    }
  }
  if (mark === 'bar' || mark === 'rect') {
    const quantity = (c: string) => {
      const d = encoding[c] as Json | undefined;
      return d !== undefined && !Array.isArray(d) && d.type === 'quantitative' && !d.bin;
    };
    for (const [a, b] of [
      ['x', 'y'],
      ['y', 'x'],
    ]) {
      if (`${a}2` in encoding && quantity(b) && !(`${b}2` in encoding)) {
        out.push(`${where}${mark} ranged on ${a} (${a}, ${a}2) with a quantitative ${b} but no ${b}2: drawn as thin bands, not bars`);
      }
    }
  }
}

interface SceneNode {
  marktype?: string;
  name?: string;
  items?: SceneNode[];
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  bounds?: { x1: number; y1: number; x2: number; y2: number };
}

function sceneMarks(node: SceneNode, out: SceneNode[] = []): SceneNode[] {
  if (node.marktype) out.push(node);
  for (const item of node.items ?? []) sceneMarks(item, out);
  return out;
}

/** Every defect found in `spec`, as sentences; an empty list for a sound chart. */
export async function chartDefects(spec: object): Promise<string[]> {
  const out: string[] = [];
  const top = spec as Json;
  staticDefects(top, { rows: null, made: [] }, '', out);
  const view = new vega.View(vega.parse(compile(spec as TopLevelSpec).spec), { renderer: 'none' });
  await view.runAsync();
  for (const mark of sceneMarks((view.scenegraph() as unknown as { root: SceneNode }).root)) {
    if (mark.marktype !== 'rect' && mark.marktype !== 'area') continue;
    // Vega-Lite names the marks it makes "…marks"; rects of axes, legends and backgrounds are not data.
    if (!String(mark.name ?? '').endsWith('marks')) continue;
    const items = mark.items ?? [];
    if (items.length === 0) continue;
    let area = 0;
    for (const item of items) {
      if (mark.marktype === 'rect') {
        const box = [item.x, item.y, item.width, item.height];
        if (box.some((v) => typeof v !== 'number' || !Number.isFinite(v))) out.push(`${mark.name}: an item's box is ${JSON.stringify(box)}`);
        else area += Math.abs((item.width as number) * (item.height as number));
      } else if (item.bounds) {
        area += Math.max(0, item.bounds.x2 - item.bounds.x1) * Math.max(0, item.bounds.y2 - item.bounds.y1);
      }
    }
    if (!(area > 0)) out.push(`${mark.name} (${mark.marktype}): ${items.length} item(s) with zero total area`);
  }
  await view.finalize();
  return out;
}

/** Vega-Lite specs a notebook displays (its application/vnd.vegalite.v5+json outputs), with their titles. */
export function notebookCharts(nb: { cells: { outputs?: { data?: Record<string, unknown> }[] }[] }): { title: string; spec: object }[] {
  const charts: { title: string; spec: object }[] = [];
  for (const cell of nb.cells) {
    for (const o of cell.outputs ?? []) {
      const spec = o.data?.['application/vnd.vegalite.v5+json'];
      if (spec !== undefined) charts.push({ title: JSON.stringify((spec as Json).title ?? '(untitled)'), spec: spec as object });
    }
  }
  return charts;
}
