/**
 * Per-command metrics, pushed to a Prometheus Pushgateway after the command ends when a URL is
 * configured (--metrics, DATAMON_METRICS or the config key `metrics`). The push is the
 * Pushgateway's text format over one HTTP PUT, replacing the group of this command and host,
 * so each series holds the last run's value. A failed push is a warning, never a failed command.
 */
import { RequestMeter } from "../store/metered.ts";
import { hostName } from "../meta/contributor.ts";

/** How long a push may take before it is given up. */
const PUSH_TIMEOUT_MS = 5000;

/** What one command run measured. */
export class CommandMetrics {
  /** Counts every request of the command's context (openContextFrom meters it). */
  readonly meter = new RequestMeter();
  readonly #start = performance.now();
  /** The command's name, e.g. "bundle upload"; empty until a command runs. */
  command = "";
  /** The Pushgateway's base URL, once settings name one. */
  pushgateway?: string;
  leavesStored = 0;
  leavesDeduplicated = 0;

  /** The run's metrics in the Prometheus text format. */
  text(exitCode: number, now = performance.now()): string {
    const counts = this.meter.counts();
    const gauges: [string, string, number][] = [
      ["datamon_command_duration_seconds", "wall time of the command", (now - this.#start) / 1000],
      ["datamon_command_exit_code", "exit code of the command (0: success)", exitCode],
      ["datamon_command_last_run_timestamp_seconds", "when the command ended", Date.now() / 1000],
      ["datamon_store_requests", "requests made to the context's stores", counts.total],
      ["datamon_store_bytes_read", "object bytes received from the stores", counts.bytesReceived],
      ["datamon_store_bytes_written", "object bytes sent to the stores", counts.bytesSent],
      ["datamon_leaves_stored", "leaves and packed files written", this.leavesStored],
      [
        "datamon_leaves_deduplicated",
        "leaves and packed files found stored",
        this.leavesDeduplicated,
      ],
    ];
    return gauges.map(([name, help, value]) =>
      `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`
    ).join("");
  }

  /**
   * Pushes the run's metrics when a Pushgateway is configured and a command ran; returns a
   * warning when the push failed.
   */
  async push(exitCode: number): Promise<string | undefined> {
    if (this.pushgateway === undefined || this.command === "") return undefined;
    const base = this.pushgateway.replace(/\/+$/, "");
    const group = `job/datamon/command/${encodeURIComponent(this.command.replaceAll(" ", "_"))}` +
      `/instance/${encodeURIComponent(hostName())}`;
    try {
      const response = await fetch(`${base}/metrics/${group}`, {
        method: "PUT",
        headers: { "content-type": "text/plain; version=0.0.4" },
        body: this.text(exitCode),
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      });
      const detail = response.ok ? "" : await response.text();
      if (!response.ok) return `HTTP ${response.status} ${detail.trim().split("\n")[0]}`;
      return undefined;
    } catch (e) {
      return (e as Error)?.message ?? String(e);
    }
  }
}

/** The metrics of this process's command. */
export const commandMetrics = new CommandMetrics();
