let lastDateSecond = -1;
let lastDate = "";

/** IMF-fixdate of an epoch-ms instant (the HTTP Date header), formatted once per second. */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastDateSecond) {
    lastDateSecond = second;
    lastDate = new Date(second * 1000).toUTCString();
  }
  return lastDate;
}
