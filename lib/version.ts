/** datamon's version, reported by `datamon version`. */
export const VERSION = "0.1.0";
