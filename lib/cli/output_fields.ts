/**
 * The fields each command prints, so that its --format template is checked before the
 * command runs (a template naming no field must fail before an upload commits, not after).
 */
import type { ContextDoc, Contributor, FileEntry, ReadRecord, WalRecord } from "../model/types.ts";
import type { DiamondDoc } from "../model/diamond.ts";
import type { DownloadResult } from "../core/download.ts";
import type { UpdateResult } from "../core/update.ts";
import type { PlannedChange } from "./bundle_download.ts";
import type { Damage } from "../core/fsck.ts";
import type { QuarantineListing } from "../core/purge.ts";
import type { SquashedBundle } from "../core/squash.ts";
import type { SidecarResult } from "../sidecar/sidecar.ts";
import type { RequestCounts } from "../store/metered.ts";
import { fieldsOf, fieldsUnder, type OutputFields } from "./output.ts";
import type {
  BundleJson,
  ChangeJson,
  EntryJson,
  LabelJson,
  RepoJson,
  Timed,
  UploadJson,
  WithContributors,
} from "./json_records.ts";

const CONTRIBUTOR = fieldsOf<Contributor>("name", "email", "identity");

const REQUESTS = fieldsOf<RequestCounts>("total", "operations.*", "bytesSent", "bytesReceived");

/** A bundle: `bundle get` and `bundle list`. */
const BUNDLE_FIELDS = fieldsOf<BundleJson>(
  "id",
  "repo",
  "message",
  "time",
  "contributors.*",
  "leafSize",
  "deduplication",
  "formatVersion",
  "repoIncarnation",
  "fileListCount",
  "fileListChecksums.*",
  "fileCount",
  "totalSize",
  "inputs.*",
);

/** A file of a bundle: `bundle list files`. */
const FILE_FIELDS = fieldsOf<EntryJson<FileEntry> & { kind: string; target: string }>(
  "name",
  "size",
  "mode",
  "mtime",
  "key",
  "pack.id",
  "pack.offset",
  "kind",
  "target",
);

/** A difference: `bundle diff`. */
const CHANGE_FIELDS = fieldsOf<ChangeJson>(
  "kind",
  "name",
  ...fieldsUnder("entry", FILE_FIELDS),
  "oldSize",
);

/** What storing files cost: `bundle upload` and `diamond split add`. */
const STORED_FIELDS = fieldsOf<UploadJson>(
  "leavesStored",
  "leavesDeduplicated",
  "bytesStored",
  "packsStored",
  ...fieldsUnder("requests", REQUESTS),
  "skipped.*",
);

/** `bundle upload`: the committed bundle, what storing it cost, and the label set. */
const UPLOAD_FIELDS = [...BUNDLE_FIELDS, ...STORED_FIELDS, "label"];

/** A row of `--dry-run` on download and update: what would be done to which name. */
const PLANNED_FIELDS = fieldsOf<PlannedChange>("action", "name", "size");

/** `bundle download` (and its --dry-run rows). */
const DOWNLOAD_FIELDS = [
  ...fieldsOf<DownloadResult & { bundle: string; destination: string }>(
    "bundle",
    "destination",
    "files",
    "bytes",
    "redacted",
    ...fieldsUnder("requests", REQUESTS),
  ),
  ...PLANNED_FIELDS,
];

/** `bundle update` (and its --dry-run rows). */
const UPDATE_FIELDS = [
  ...fieldsOf<UpdateResult & { bundle: string }>("bundle", "added", "deleted", "updated"),
  ...PLANNED_FIELDS,
];

/** A label: `label set`, `label get` and `label list`. */
const LABEL_FIELDS = fieldsOf<LabelJson>(
  "id",
  "name",
  "repo",
  "bundle",
  "time",
  ...fieldsUnder("contributors", CONTRIBUTOR),
);

/** A repo: `repo create`, `repo get` and `repo list`. */
const REPO_FIELDS = fieldsOf<RepoJson & { size: number }>(
  "name",
  "description",
  "time",
  ...fieldsUnder("contributors", CONTRIBUTOR),
  "incarnation",
  "size",
);

/** A context: `context create`, `context get` and `context list`. */
const CONTEXT_FIELDS = fieldsOf<ContextDoc>(
  "name",
  "blob",
  "metadata",
  "vmetadata",
  "wal",
  "readlog",
);

/** A damaged file, bundle or label: `fsck`. */
const DAMAGE_FIELDS = fieldsOf<Damage>(
  "repo",
  "bundle",
  "path",
  "label",
  "problem",
  "quarantinedBy",
  "restored",
);

/** An audit record, written or read: `log`. */
const AUDIT_FIELDS = fieldsOf<WalRecord & ReadRecord & { kind: string }>(
  "kind",
  "id",
  "actor.*",
  "operation",
  "key",
  "store",
  "repo",
  "bundle",
  "time",
  "selection",
  "target",
  "method",
  "host",
  "run",
);

/** `sidecar`: what the run read and wrote. */
const SIDECAR_FIELDS = fieldsOf<SidecarResult>("runId", "inputs.*", "outputs.*");

/** A diamond as `diamond get` and `diamond list` show it. */
const DIAMOND_FIELDS: OutputFields = [
  "id",
  "state",
  "tag",
  "time",
  "bundle",
  "mode",
  "conflicts",
  "checkpoints",
];

/** A split as `diamond split get` and `diamond split list` show it. */
const SPLIT_FIELDS: OutputFields = [
  "split",
  "state",
  "generation",
  "runs",
  "tag",
  "path",
  "time",
  "files",
  "size",
  "error",
];

/** A bundle `repo squash` and `context squash` remove (or would). */
const SQUASHED_FIELDS = fieldsOf<Timed<SquashedBundle> & { repo: string }>(
  "repo",
  "id",
  "time",
  "message",
  "labels.*",
);

/** `config get`: one row per setting, with where its value comes from. */
const CONFIG_FIELDS: OutputFields = ["key", "value", "source", "from"];

/** `version`. */
const VERSION_FIELDS: OutputFields = [
  "version",
  "build",
  "buildKind",
  "deno",
  "v8",
  "os",
  "arch",
];

/** Each command with --json and --format, by its path under the program, and its fields. */
export const OUTPUT_FIELDS: Readonly<Record<string, OutputFields>> = {
  "bundle upload": UPLOAD_FIELDS,
  "bundle download": DOWNLOAD_FIELDS,
  "bundle update": UPDATE_FIELDS,
  "bundle list": BUNDLE_FIELDS,
  "bundle list files": FILE_FIELDS,
  "bundle get": BUNDLE_FIELDS,
  "bundle diff": CHANGE_FIELDS,
  "label set": LABEL_FIELDS,
  "label get": LABEL_FIELDS,
  "label list": LABEL_FIELDS,
  "repo create": REPO_FIELDS,
  "repo get": REPO_FIELDS,
  "repo list": REPO_FIELDS,
  "context create": CONTEXT_FIELDS,
  "context get": CONTEXT_FIELDS,
  "context list": [...CONTEXT_FIELDS, "current"],
  "config get": CONFIG_FIELDS,
  "fsck": DAMAGE_FIELDS,
  // On a Go datamon context, log prints Go's entries: time, token, payload.
  "log": [...AUDIT_FIELDS, "token", "payload"],
  "sidecar": SIDECAR_FIELDS,
  "purge list": fieldsOf<QuarantineListing>(
    "id",
    "time",
    "whole",
    "objects",
    "bytes",
    "deletableAfter",
  ),
  "repo squash": SQUASHED_FIELDS,
  "context squash": SQUASHED_FIELDS,
  "diamond initialize": fieldsOf<WithContributors<DiamondDoc>>(
    "id",
    "repo",
    "tag",
    "time",
    ...fieldsUnder("contributors", CONTRIBUTOR),
  ),
  "diamond get": DIAMOND_FIELDS,
  "diamond list": DIAMOND_FIELDS,
  "diamond split add": ["split", "generation", ...STORED_FIELDS, "done.*"],
  "diamond split get": SPLIT_FIELDS,
  "diamond split list": SPLIT_FIELDS,
  "diamond commit": ["bundle", "conflicts", "checkpoints", "excluded.*"],
  "version": VERSION_FIELDS,
};

/** The fields `command` prints; every command given --json and --format has an entry. */
export function outputFieldsOf(command: string): OutputFields {
  const fields = OUTPUT_FIELDS[command];
  if (!fields) throw new Error(`no output fields declared for "${command}"`);
  return fields;
}
