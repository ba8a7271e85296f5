/**
 * The robust z-score of hourly_volume: how far a value sits from the median of its history, in units of
 * the median absolute deviation scaled to a standard deviation (×1.4826), so one odd day in the history
 * moves it little (Iglewicz and Hoaglin's modified z-score). A perfectly flat history has MAD 0; the
 * scale is then floored at 5 % of the median (and at one transaction), so a wobble of a few
 * transactions is not an outlier.
 */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function robustZ(value: number, history: readonly number[]): { z: number; median: number; scale: number } {
  const m = median(history);
  const mad = median(history.map((x) => Math.abs(x - m)));
  const scale = Math.max(1.4826 * mad, 0.05 * Math.abs(m), 1);
  return { z: (value - m) / scale, median: m, scale };
}
