/** Line icons for the navigation and the header, drawn inline so the console needs no icon package. */
const PATHS: Record<string, string> = {
  dashboard: "M4 4h7v7H4z M13 4h7v4h-7z M13 10h7v10h-7z M4 13h7v7H4z",
  hotline: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2",
  requests: "M4 8h14 M15 5l3 3-3 3 M20 16H6 M9 13l-3 3 3 3",
  cases: "M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z",
  fugitives:
    "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8 M3 21v-2a4 4 0 0 1 4-4h3 M17.5 15a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5 M19.5 19.5L22 22",
  dialogue: "M21 12a8 8 0 0 1-11.6 7.1L4 20l1.1-4.3A8 8 0 1 1 21 12z M8 11h8 M8 14h5",
  notices: "M3 6h18v12H3z M3 7l9 6 9-6",
  peers:
    "M6 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6 M18 3a3 3 0 1 0 0 6 3 3 0 0 0 0-6 M18 15a3 3 0 1 0 0 6 3 3 0 0 0 0-6 M8.7 10.7l6.6-3.4 M8.7 13.3l6.6 3.4",
  reports: "M4 20V10 M10 20V4 M16 20v-7 M3 20h18",
  users:
    "M9 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8 M3 21v-2a4 4 0 0 1 4-4h4a4 4 0 0 1 4 4v2 M16 3.1a4 4 0 0 1 0 7.8 M21 21v-2a4 4 0 0 0-3-3.9",
  audit: "M9 6h11 M9 12h11 M9 18h11 M4 6l1 1 2-2 M4 12l1 1 2-2 M4 18l1 1 2-2",
  tokens: "M15 5a4 4 0 1 0 0 8 4 4 0 0 0 0-8 M12.2 11.8L4 20v1h3v-2h2v-2h2l1.8-1.8",
  security: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z M9 12l2 2 4-4",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0",
};

export function NavIcon({ name, size = 18 }: { name: string; size?: number }) {
  const d = PATHS[name];
  if (!d) return null;
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={d} />
    </svg>
  );
}
