/** Two or three examples per command, shown at the end of its help: the way people learn a CLI. */

/** Examples by command path ("bundle upload"); each is a command line, then what it does. */
export const EXAMPLES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  "repo create": [
    ["datamon repo create --repo images --description 'training images'", "a new repo"],
    ["datamon --context team repo create --repo images", "in another context"],
  ],
  "repo get": [
    ["datamon repo get --repo images", "one repo"],
    ["datamon repo get --repo images --json", "as JSON"],
  ],
  "repo list": [
    ["datamon repo list", "the repos of the current context"],
    ["datamon --context team repo list --json", "of another context, as JSON"],
  ],
  "repo delete": [
    ["datamon repo delete --repo scratch", "asks first"],
    ["datamon repo delete --repo scratch --force-yes", "in a script"],
  ],
  "repo rename": [
    ["datamon repo rename images-v2 --repo images", "images becomes images-v2"],
    ["datamon repo rename new --repo old --context team", "in another context"],
  ],
  "bundle upload": [
    ["datamon bundle upload --repo images --path ./data --message 'first cut'", "a new bundle"],
    [
      "datamon bundle upload --repo images --path ./data --message v2 --label production",
      "and label it",
    ],
    [
      "datamon bundle upload --repo images --path ./data --message v3 --exclude '*.tmp'",
      "leave out temporary files (and what ./data/.datamonignore names)",
    ],
  ],
  "bundle download": [
    ["datamon bundle download --repo images --destination ./images", "the latest bundle"],
    [
      "datamon bundle download --repo images --label production --destination ./prod",
      "the labelled one",
    ],
    [
      "datamon bundle download --repo images --bundle 2Lq3aF9x --destination ./old",
      "by a short id",
    ],
  ],
  "bundle download file": [
    [
      "datamon bundle download file --repo images --file a/b.png --destination ./out",
      "one file of the latest bundle",
    ],
    [
      "datamon bundle download file --repo images --label v1 --file a.png --destination .",
      "of a labelled bundle",
    ],
  ],
  "bundle list": [
    ["datamon bundle list --repo images", "a repo's bundles, oldest first"],
    ["datamon bundle list --repo images --format '{{id}}\\t{{message}}'", "with a template"],
  ],
  "bundle list files": [
    ["datamon bundle list files --repo images", "the files of the latest bundle"],
    [
      "datamon bundle list files --repo images --label production --name-filter '\\.png$'",
      "PNGs of the labelled bundle",
    ],
  ],
  "bundle get": [
    ["datamon bundle get --repo images", "the latest bundle"],
    ["datamon bundle get --repo images --bundle 2Lq3aF9x --json", "by a short id, as JSON"],
  ],
  "bundle diff": [
    ["datamon bundle diff --repo images --destination ./images", "a directory vs the latest"],
    ["datamon bundle diff --repo images --bundle ID1 --with-bundle ID2", "two bundles"],
  ],
  "bundle update": [
    ["datamon bundle update --repo images --destination ./images", "make it match the latest"],
    [
      "datamon bundle update --repo images --label production --destination ./images",
      "the labelled bundle",
    ],
  ],
  "bundle mount": [
    ["datamon bundle mount --repo images --mount ./view --daemonize", "read-only, lazy"],
    ["datamon bundle mount --repo images --label v1 --mount ./view", "in the foreground"],
  ],
  "bundle mount new": [
    [
      "datamon bundle mount new --repo out --mount ./work --message 'run 7'",
      "write into ./work; unmount commits",
    ],
    [
      "datamon bundle mount new --repo out --mount ./work --message r --label latest",
      "and label it",
    ],
  ],
  "bundle unmount": [
    ["datamon bundle unmount ./view", "end a mount"],
    ["datamon bundle unmount ./work", "commit a new-bundle mount"],
  ],
  "label set": [
    ["datamon label set --repo images --label production", "on the latest bundle"],
    ["datamon label set --repo images --label production --bundle 2Lq3aF9x", "on a bundle"],
  ],
  "label get": [
    ["datamon label get --repo images --label production", "the bundle it points at"],
    ["datamon label get --repo images --label production --history", "every bundle it was on"],
  ],
  "label list": [
    ["datamon label list --repo images", "a repo's labels"],
    ["datamon label list --repo images --prefix release-", "those starting with release-"],
  ],
  "context create": [
    ["datamon context create --context team --store file:///mnt/shared/datamon", "on a share"],
    ["datamon context create --context cloud --store s3://bucket/datamon", "on S3"],
  ],
  "context get": [
    ["datamon context get", "the current context's stores"],
    ["datamon context get --context team --json", "another one, as JSON"],
  ],
  "context list": [
    ["datamon context list", "every context; * marks the current one"],
    ["datamon context list --json", "as JSON"],
  ],
  "context use": [
    ["datamon context use team", "commands use team from now on"],
    ["datamon context use local", "back to the built-in context"],
  ],
  "context current": [
    ["datamon context current", "the context commands use"],
    ["DATAMON_CONTEXT=team datamon context current", "the environment wins over the file"],
  ],
  "context delete": [
    ["datamon context delete old-team", "its stores and data stay"],
    ["datamon context delete old --config s3://bucket/config", "from another config store"],
  ],
  "config set": [
    ["datamon config set --name Ada --email ada@example.com", "who is recorded"],
    ["datamon config set --concurrency-factor 4", "use less memory"],
  ],
  "config get": [
    ["datamon config get", "each setting and where it comes from"],
    ["datamon config get --json", "as JSON"],
  ],
  "sidecar": [
    ["datamon sidecar --params params.yaml", "a workflow step's inputs and outputs"],
    ["DATAMON_RUN_ID=run-7 datamon sidecar --params p.yaml", "as part of a named run"],
  ],
  "doctor": [
    ["datamon doctor", "check the config, the stores and FUSE"],
    ["datamon doctor --context team --json", "another context, as JSON"],
  ],
  "web": [
    ["datamon web", "browse at http://127.0.0.1:8080"],
    ["datamon web --port 0", "on any free port"],
  ],
  "log": [
    ["datamon log --repo images --since 24h", "who wrote and read what, lately"],
    ["datamon log --repo images --kind read --json", "reads only, as JSON"],
  ],
  "lineage": [
    ["datamon lineage --repo model", "what the latest bundle was made from"],
    ["datamon lineage --repo clean --label v1 --downstream", "what was made from it"],
    ["datamon lineage --repo model --output dot | dot -Tsvg > lineage.svg", "a picture"],
  ],
  "fsck": [
    ["datamon fsck", "check every repo of the context"],
    ["datamon fsck --repo images --deep", "read back and re-hash every file"],
  ],
  "migrate": [
    [
      "datamon migrate --from-config gs://acme-config --from-context prod --context team --dry-run",
      "what a migration from Go datamon would copy",
    ],
    [
      "datamon migrate --from-config gs://acme-config --from-context prod --context team",
      "copy it (run again to finish one that stopped)",
    ],
  ],
  "purge": [
    ["datamon purge --dry-run", "what garbage collection would free"],
    ["datamon purge --grace 7d", "keep what is younger than a week"],
  ],
  "repo delete files": [
    ["datamon repo delete files --repo images --file secrets/key.pem", "no longer served"],
    ["datamon repo delete files --repo images --files ./to-redact.txt", "a list, one per line"],
  ],
  "repo squash": [
    ["datamon repo squash --repo images --retain-n-latest 5 --dry-run", "what would be removed"],
    [
      "datamon repo squash --repo images --retain-n-latest 5 --retain-tags --yes",
      "keep labelled ones",
    ],
  ],
  "context squash": [
    ["datamon context squash --retain-n-latest 3 --dry-run", "every repo of the context"],
    ["datamon context squash --retain-n-latest 3 --retain-semver-tags --yes", "keep v1.2.3"],
  ],
  "usage": [
    ["datamon usage --target-dir docs/usage", "one markdown page per command"],
    ["datamon usage --target-dir /tmp/usage && ls /tmp/usage", "and list them"],
  ],
  "upgrade": [
    ["datamon upgrade", "how to replace this binary"],
    ["datamon version", "which one this is"],
  ],
  "purge list": [
    ["datamon purge list", "the quarantine's batches and when each may be deleted"],
    ["datamon purge list --json", "as JSON"],
  ],
  "purge restore": [
    ["datamon purge restore --dry-run", "what would come back from quarantine"],
    ["datamon purge restore --purge ID", "bring back one purge's batch"],
  ],
  "diamond initialize": [
    ["datamon diamond initialize --repo images", "prints the new diamond's id"],
    ["D=$(datamon diamond initialize --repo images --diamond-tag nightly)", "tagged, in a script"],
  ],
  "diamond get": [
    ["datamon diamond get --repo images --diamond D", "its state and, once done, its bundle"],
    ["datamon diamond get --repo images --diamond D --json", "as JSON"],
  ],
  "diamond list": [
    ["datamon diamond list --repo images", "the repo's diamonds"],
    ["datamon diamond list --repo images --json", "as JSON"],
  ],
  "diamond cancel": [
    ["datamon diamond cancel --repo images --diamond D", "no commit will be made"],
    ["datamon --context team diamond cancel --repo images --diamond D", "in another context"],
  ],
  "diamond split add": [
    ["datamon diamond split add --repo images --diamond D --path ./shard-3", "one pod's share"],
    [
      "datamon diamond split add --repo images --diamond D --path ./out --split-tag pod-3",
      "tagged with the pod",
    ],
  ],
  "diamond split get": [
    ["datamon diamond split get --repo images --diamond D --split S", "one split's state"],
    ["datamon diamond split get --repo images --diamond D --split S --json", "as JSON"],
  ],
  "diamond split list": [
    ["datamon diamond split list --repo images --diamond D", "every split and its state"],
    ["datamon diamond split list --repo images --diamond D --json", "as JSON"],
  ],
  "diamond commit": [
    ["datamon diamond commit --repo images --diamond D --message 'nightly'", "one bundle"],
    [
      "datamon diamond commit --repo images --diamond D --message m --no-conflicts",
      "fail if two splits wrote one path differently",
    ],
  ],
  "version": [
    ["datamon version", "the version and build"],
    ["datamon version --json", "as JSON"],
  ],
  "completion": [
    ["source <(datamon completion bash)", "in ~/.bashrc"],
    ["datamon completion zsh > ~/.zfunc/_datamon", "for zsh"],
  ],
};
