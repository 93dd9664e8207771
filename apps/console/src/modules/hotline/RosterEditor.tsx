export function RosterEditor() {
  return null;
}
