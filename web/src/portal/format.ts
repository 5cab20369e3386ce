// Small formatting helpers of the portal pages.
export { formatMinutes } from "../time/duration";

/** A file size for people: 2048 -> "2 KB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
