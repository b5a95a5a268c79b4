/**
 * An SVG flame graph of folded stacks, drawn as flamegraph.pl draws one (root at the bottom,
 * widths by inclusive count, children in name order), with no external tool: each frame has a
 * `<title>` with its count and share, shown on hover.
 * @module
 */

/** A node of a call tree: a function under its caller, with its own (exclusive) count. */
export interface FlameNode {
  readonly name: string;
  self: number;
  readonly children: Map<string, FlameNode>;
}

const WIDTH = 1200, ROW = 16, PAD = 10, TOP = 36, CHAR = 6.6;

/** The inclusive count of `node`: its own plus its subtree's. */
export function inclusive(node: FlameNode): number {
  let n = node.self;
  for (const c of node.children.values()) n += inclusive(c);
  return n;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** A warm colour derived from the name, stable from run to run. */
function colour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const r = 205 + (h % 50), g = 80 + ((h >>> 8) % 150), b = (h >>> 16) % 55;
  return `rgb(${r},${g},${b})`;
}

/**
 * Draws the tree under `root` as an SVG document.
 * @param root the outermost frame
 * @param title the heading
 * @param unit what the counts count, e.g. `instructions`
 */
export function flameGraphSvg(root: FlameNode, title: string, unit: string): string {
  const total = inclusive(root);
  const rows: string[] = [];
  let maxDepth = 0;
  const scale = total > 0 ? (WIDTH - 2 * PAD) / total : 0;
  const draw = (node: FlameNode, x: number, depth: number, count: number) => {
    const w = count * scale;
    if (w < 0.1) return;
    maxDepth = Math.max(maxDepth, depth);
    const pct = ((100 * count) / total).toFixed(2);
    const label = w > 3 * CHAR
      ? escape(
        node.name.length * CHAR <= w - 6
          ? node.name
          : node.name.slice(0, Math.max(0, Math.floor((w - 6) / CHAR) - 2)) + "..",
      )
      : "";
    rows.push(
      `<g><title>${escape(node.name)} (${count} ${unit}, ${pct}%)</title>` +
        `<rect x="${(PAD + x).toFixed(1)}" y="{Y${depth}}" width="${w.toFixed(1)}" ` +
        `height="${ROW - 1}" fill="${colour(node.name)}" rx="2"/>` +
        (label ? `<text x="${(PAD + x + 3).toFixed(1)}" y="{T${depth}}">${label}</text>` : "") +
        `</g>`,
    );
    let cx = x;
    for (const name of [...node.children.keys()].sort()) {
      const child = node.children.get(name)!, n = inclusive(child);
      draw(child, cx, depth + 1, n);
      cx += n * scale;
    }
  };
  draw(root, 0, 0, total);
  const height = TOP + (maxDepth + 1) * ROW + PAD;
  const body = rows.join("\n").replace(
    /\{([YT])(\d+)\}/g,
    (_, k, d) => String(height - PAD - (Number(d) + 1) * ROW + (k === "T" ? 11.5 : 0)),
  );
  return `<?xml version="1.0" standalone="no"?>
<svg version="1.1" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `xmlns="http://www.w3.org/2000/svg">
<style>text { font-family: Verdana, sans-serif; font-size: 11px; fill: #000; }</style>
<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#fafaf6"/>
<text x="${WIDTH / 2}" y="22" text-anchor="middle" style="font-size:16px">${escape(title)}</text>
${body}
</svg>
`;
}
