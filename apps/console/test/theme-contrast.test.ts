import { DEFAULT_THEME, mergeMantineTheme } from "@mantine/core";
import { describe, expect, it } from "vitest";
import { contrast, cssVariablesResolver, theme } from "../src/app/theme";

/**
 * The colours the theme resolves for the light scheme, against the backgrounds Mantine draws them on: every
 * pair people read reaches 4.5:1 (WCAG 2 AA). The browser tests check the pages as they rest; a light button
 * under the pointer (its shade-2 tint) is checked here.
 */
const full = mergeMantineTheme(DEFAULT_THEME, theme);
const light = cssVariablesResolver(full).light;
const palettes = Object.entries(full.colors).filter(([name]) => name !== "dark");

describe("the console theme's contrast (light scheme)", () => {
  it("reads the light variant's text on its tint, on the hover tint, on white and on the shell's grey", () => {
    const low: string[] = [];
    for (const [name, palette] of palettes) {
      const text = light[`--mantine-color-${name}-light-color`];
      expect(text, name).toBeDefined();
      for (const bg of ["#ffffff", full.colors.gray[1], palette[1], palette[2]]) {
        const ratio = contrast(text as string, bg);
        if (ratio < 4.5) low.push(`${name}: ${text} on ${bg} = ${ratio.toFixed(2)}`);
      }
    }
    expect(low).toEqual([]);
  });

  it("reads white on every filled colour and on its hover shade", () => {
    const low: string[] = [];
    for (const [name] of palettes) {
      for (const key of [`--mantine-color-${name}-filled`, `--mantine-color-${name}-filled-hover`]) {
        const ratio = contrast("#ffffff", light[key] as string);
        if (ratio < 4.5) low.push(`${key} = ${ratio.toFixed(2)}`);
      }
    }
    expect(low).toEqual([]);
  });
});
