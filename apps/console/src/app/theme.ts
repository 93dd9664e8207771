import {
  Badge,
  type CSSVariablesResolver,
  createTheme,
  DEFAULT_THEME,
  darken,
  type MantineColorsTuple,
  TableScrollContainer,
} from "@mantine/core";

/**
 * The console's theme: Mantine's, with every colour people read on screen at least 4.5:1 against what it sits
 * on (WCAG 2 AA, checked by axe-core in the browser tests). Mantine's light palette draws text and badges in
 * shade 6, which is 1.9–3.3:1 for gray, green, orange, yellow, red; here the first shade (or a darkened shade 9)
 * that reaches the ratio is used instead, in the light colour scheme.
 */
export const theme = createTheme({
  // Under the system's "reduce motion" setting (prefers-reduced-motion: reduce; WCAG 2.3.3) Mantine's
  // transitions (modals, menus, popovers, collapses, the burger) take 0 ms.
  respectReducedMotion: true,
  primaryColor: "indigo",
  fontFamily:
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif',
  defaultRadius: "sm",
  components: {
    // A badge is one word or two ("Node administrator", "来件"): it keeps its width in a narrow row or
    // column instead of being cut to "Node administra…" / "来…".
    Badge: Badge.extend({
      styles: {
        root: { flexShrink: 0, overflow: "visible", maxWidth: "none" },
        label: { overflow: "visible", textOverflow: "clip" },
      },
    }),
    // A table wider than the screen scrolls sideways; the keyboard must reach that scroll too
    // (axe: scrollable-region-focusable).
    TableScrollContainer: TableScrollContainer.extend({
      defaultProps: { scrollAreaProps: { viewportProps: { tabIndex: 0 } } },
    }),
  },
});

/** A little above 4.5 so rounding in the browser's colour maths never tips a colour under. */
const AA = 4.7;

function rgb(color: string): [number, number, number] {
  if (color.startsWith("#")) {
    const h = color.slice(1);
    return [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  }
  const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).map(Number);
  return [r, g, b];
}

function luminance(color: [number, number, number]): number {
  const [r, g, b] = color.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(rgb(a)), luminance(rgb(b))];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** The lightest of shades `from`…9, then of shade 9 darkened step by step, that reads on every one of `backgrounds`. */
function readableShade(palette: MantineColorsTuple, from: number, backgrounds: string[]): string {
  const reads = (c: string) => backgrounds.every((b) => contrast(c, b) >= AA);
  for (let i = from; i <= 9; i++) if (reads(palette[i])) return palette[i];
  for (let d = 0.1; d < 1; d += 0.1) {
    const c = darken(palette[9], d);
    if (reads(c)) return c;
  }
  return "#000000";
}

export const cssVariablesResolver: CSSVariablesResolver = (t) => {
  const palettes = Object.entries(t.colors).filter(([name]) => name !== "dark");
  // Text in no particular colour may sit on white, on the grey of the shell, or inside any light-tinted alert.
  const anyLight = ["#ffffff", t.colors.gray[1], ...palettes.map(([, p]) => p[1])];
  const light: Record<string, string> = {
    "--mantine-color-dimmed": readableShade(t.colors.gray, 6, anyLight),
    "--mantine-color-anchor": readableShade(
      t.colors[t.primaryColor] ?? DEFAULT_THEME.colors.indigo,
      6,
      anyLight,
    ),
  };
  for (const [name, palette] of palettes) {
    // light variant (badges, alerts, active nav links, light buttons): text in the colour on its shade-1 tint
    // and on the shade-2 tint a light button takes under the pointer; also the colour as text (c="red") and
    // outlined badges, on white or grey
    const text = readableShade(palette, 6, ["#ffffff", t.colors.gray[1], palette[1], palette[2]]);
    light[`--mantine-color-${name}-light-color`] = text;
    light[`--mantine-color-${name}-text`] = text;
    light[`--mantine-color-${name}-outline`] = text;
    // filled variant: white text on the colour
    const filled = readableShade(palette, 6, ["#ffffff"]);
    light[`--mantine-color-${name}-filled`] = filled;
    light[`--mantine-color-${name}-filled-hover`] = darken(filled, 0.1);
  }
  return { variables: {}, light, dark: {} };
};
