/**
 * Upper bounds of toxic attributes. Toxiproxy itself takes any number, but Node's timers
 * overflow above 2^31-1 ms and then fire every millisecond (a flood of warnings per
 * connection), and a byte count beyond a gigabyte means "no limit" in a drill. One table, used
 * by the proxy API (400 naming the attribute) and by fault validation (`keystorm fault`,
 * scenario timelines), so both refuse the same values.
 */

/** Longest delay or timeout of any toxic: one hour. */
export const MAX_TOXIC_DURATION_MS = 3_600_000;
/** Largest byte count (limit_data bytes, slicer sizes): 1 GiB. */
export const MAX_TOXIC_BYTES = 1_073_741_824;
/** Fastest bandwidth limit: 10 GB/s, in KB/s. */
export const MAX_BANDWIDTH_KBPS = 10_000_000;
