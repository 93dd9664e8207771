/** The Crossline mark: two sides joined by a line. Decorative. */
export function BrandMark({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="6" fill="var(--mantine-color-indigo-7)" />
      <circle cx="8" cy="16" r="3.5" fill="#fff" />
      <circle cx="24" cy="16" r="3.5" fill="#fff" />
      <path d="M11.5 16 H20.5" stroke="#fff" strokeWidth="2" strokeDasharray="2.5 1.5" />
    </svg>
  );
}
