/**
 * `datamon sidecar`: the whole protocol with the sidecar and a stand-in main step
 * (examples/argo/wrap_main.sh around a shell command) as two processes sharing a directory.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonCommand, datamonOk, upload } from "../support/cli.ts";
import { assertSameTree, exists, withTempDir, writeTree } from "../support/fixtures.ts";
import { FUSE_MISSING } from "../support/mount.ts";
import { isKsuid } from "../../lib/model/ksuid.ts";
import { EXIT_CODES } from "../../lib/errors.ts";

const wrapper = new URL("../../examples/argo/wrap_main.sh", import.meta.url).pathname;
const decoder = new TextDecoder();

interface Ended {
  code: number;
  stdout: string;
  stderr: string;
}

async function ended(child: Deno.ChildProcess): Promise<Ended> {
  const out = await child.output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** The stand-in main step: wrap_main.sh running `script` in `cwd`. */
function mainStep(signals: string, cwd: string, script: string): Deno.ChildProcess {
  return new Deno.Command("sh", {
    args: [wrapper, signals, "sh", "-c", script],
    cwd,
    env: { DATAMON_READY_TIMEOUT: "120", DATAMON_DONE_TIMEOUT: "120" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

function sidecar(home: string, params: string): Deno.ChildProcess {
  return datamonCommand(home, "sidecar", "--params", params, "--json").spawn();
}

/** A home with repo "raw" holding one bundle (labelled "v1") and an empty repo "results". */
async function setUp(dir: string): Promise<{ home: string; inputId: string }> {
  const home = `${dir}/home`;
  await writeTree(`${dir}/src`, { "a.txt": "alpha\n", "sub/b.txt": "beta\n" });
  await datamonOk(home, "repo", "create", "--repo", "raw", "--description", "d");
  await datamonOk(home, "repo", "create", "--repo", "results", "--description", "d");
  const inputId = await upload(home, "raw", `${dir}/src`, "raw data", "--label", "v1");
  return { home, inputId };
}

Deno.test("sidecar places the inputs, waits for the main step, uploads its output with a label and signals done", () =>
  withTempDir(async (dir) => {
    const { home, inputId } = await setUp(dir);
    const work = `${dir}/work`;
    const signals = `${work}/.datamon`;
    const mountInput = FUSE_MISSING ? "" : `
  - repo: raw
    bundle: ${inputId}
    mode: mount
    path: ${work}/mounted`;
    await Deno.mkdir(work);
    await Deno.writeTextFile(
      `${dir}/params.yaml`,
      `signals: ${signals}
inputs:
  - repo: raw
    label: v1
    mode: download
    path: ${work}/downloaded${mountInput}
outputs:
  - path: ${work}/out
    repo: results
    message: made from raw
    label: trained
timeouts:
  main: 2m
`,
    );
    const side = sidecar(home, `${dir}/params.yaml`);
    const readMounted = FUSE_MISSING ? "" : "cat mounted/sub/b.txt >> out/result.txt;";
    const main = mainStep(
      signals,
      work,
      `cat downloaded/a.txt > out/result.txt; ${readMounted} echo "$(cat .datamon/ready)" > out/ready.json`,
    );
    const [s, m] = await Promise.all([ended(side), ended(main)]);
    assertEquals(s.code, 0, s.stderr);
    assertEquals(m.code, 0, m.stderr);
    assert(!await exists(`${signals}/failed`), "no failed signal");

    const done = JSON.parse(await Deno.readTextFile(`${signals}/done`));
    assertEquals(JSON.parse(s.stdout), { schemaVersion: 1, ...done });
    assert(isKsuid(done.runId), "the run has a ksuid");
    assertEquals(
      done.inputs.map((i: { bundle: string }) => i.bundle),
      FUSE_MISSING ? [inputId] : [inputId, inputId],
    );
    assertEquals(done.outputs.length, 1);
    const output = done.outputs[0];
    assertEquals([output.repo, output.label], ["results", "trained"]);

    const label = JSON.parse(
      await datamonOk(home, "label", "get", "--repo", "results", "--label", "trained", "--json"),
    );
    assertEquals(label.bundle, output.bundle);
    await datamonOk(
      home,
      "bundle",
      "download",
      "--repo",
      "results",
      "--label",
      "trained",
      "--destination",
      `${dir}/check`,
    );
    assertEquals(
      await Deno.readTextFile(`${dir}/check/result.txt`),
      FUSE_MISSING ? "alpha\n" : "alpha\nbeta\n",
    );
    const ready = JSON.parse(await Deno.readTextFile(`${dir}/check/ready.json`));
    assertEquals(ready.runId, done.runId);
  }));

Deno.test("sidecar signals failed when an input bundle is missing, and the main step stops without running", () =>
  withTempDir(async (dir) => {
    const { home } = await setUp(dir);
    const signals = `${dir}/.datamon`;
    await Deno.writeTextFile(
      `${dir}/params.yaml`,
      `signals: ${signals}
inputs:
  - repo: raw
    label: no-such-label
    path: ${dir}/in
outputs:
  - path: ${dir}/out
    repo: results
    message: m
`,
    );
    const side = sidecar(home, `${dir}/params.yaml`);
    const main = mainStep(signals, dir, "touch ran");
    const [s, m] = await Promise.all([ended(side), ended(main)]);
    assertEquals(s.code, EXIT_CODES["not-found"]);
    assertMatch(s.stderr, /datamon: label "no-such-label" not found in repo "raw"/);
    assertMatch(await Deno.readTextFile(`${signals}/failed`), /label "no-such-label" not found/);
    assertEquals(m.code, 125);
    assert(!await exists(`${dir}/ran`), "the main command did not run");
  }));

Deno.test("sidecar uploads nothing and signals failed when the main step fails", () =>
  withTempDir(async (dir) => {
    const { home } = await setUp(dir);
    const signals = `${dir}/.datamon`;
    await Deno.writeTextFile(
      `${dir}/params.yaml`,
      `signals: ${signals}
outputs:
  - path: ${dir}/out
    repo: results
    message: m
`,
    );
    const side = sidecar(home, `${dir}/params.yaml`);
    const main = mainStep(signals, dir, "echo partial > out/x; exit 3");
    const [s, m] = await Promise.all([ended(side), ended(main)]);
    assertEquals(s.code, EXIT_CODES["failed-step"]);
    assertEquals(m.code, 3);
    assertMatch(await Deno.readTextFile(`${signals}/failed`), /main step failed \(exit code 3\)/);
    assertEquals(
      (await datamonOk(home, "bundle", "list", "--repo", "results", "--json")).trim(),
      "[]",
    );
  }));

Deno.test("sidecar signals failed when the main step does not finish within timeouts.main", () =>
  withTempDir(async (dir) => {
    const { home } = await setUp(dir);
    const signals = `${dir}/.datamon`;
    await Deno.writeTextFile(
      `${dir}/params.yaml`,
      `signals: ${signals}\noutputs:\n  - {path: ${dir}/out, repo: results, message: m}\ntimeouts:\n  main: 1s\n`,
    );
    const s = await ended(sidecar(home, `${dir}/params.yaml`));
    assertEquals(s.code, EXIT_CODES.timeout);
    assertMatch(
      await Deno.readTextFile(`${signals}/failed`),
      /main-done signal did not come within 1 s/,
    );
  }));

Deno.test("sidecar stopped by SIGTERM signals failed and exits as interrupted", () =>
  withTempDir(async (dir) => {
    const { home } = await setUp(dir);
    const signals = `${dir}/.datamon`;
    await Deno.writeTextFile(
      `${dir}/params.yaml`,
      `signals: ${signals}\noutputs:\n  - {path: ${dir}/out, repo: results, message: m}\n`,
    );
    const side = sidecar(home, `${dir}/params.yaml`);
    while (!await exists(`${signals}/ready`)) await new Promise((r) => setTimeout(r, 50));
    side.kill("SIGTERM");
    const s = await ended(side);
    assertEquals(s.code, EXIT_CODES.interrupted);
    assertMatch(await Deno.readTextFile(`${signals}/failed`), /stopped by a signal/);
  }));

Deno.test("sidecar rejects a params file with an unknown field, naming it", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/params.yaml`, `signals: ${dir}/s\noutput: []\n`);
    const r = await datamon(`${dir}/home`, "sidecar", "--params", `${dir}/params.yaml`);
    assertEquals(r.code, EXIT_CODES.config);
    assertMatch(r.stderr, /^datamon: params file .*params.yaml: unknown field "output"/);
  }));

Deno.test("two sidecars write their steps' outputs as two splits of a diamond, and one commit makes the bundle", () =>
  withTempDir(async (dir) => {
    const { home } = await setUp(dir);
    const diamond = (await datamonOk(home, "diamond", "initialize", "--repo", "results")).trim();
    const pods = ["w1", "w2"].map((pod) => {
      const work = `${dir}/${pod}`;
      const params = `${dir}/${pod}.yaml`;
      return { pod, work, params, signals: `${work}/.datamon` };
    });
    for (const { pod, work, params, signals } of pods) {
      await Deno.mkdir(work);
      await Deno.writeTextFile(
        params,
        `signals: ${signals}
inputs:
  - {repo: raw, label: v1, path: ${work}/in}
outputs:
  - {path: ${work}/out, repo: results, diamond: ${diamond}, split: ${pod}, splitTag: pod-${pod}}
`,
      );
    }
    const ends = await Promise.all(pods.flatMap(({ pod, work, params, signals }) => [
      ended(sidecar(home, params)),
      ended(mainStep(signals, work, `mkdir out/${pod} && cp in/a.txt out/${pod}/a.txt`)),
    ]));
    for (const e of ends) assertEquals(e.code, 0, e.stderr);
    for (const { pod, signals } of pods) {
      const done = JSON.parse(await Deno.readTextFile(`${signals}/done`));
      const [output, ...more] = done.outputs;
      assertEquals([output.split, output.diamond, output.bundle, more], [
        pod,
        diamond,
        undefined,
        [],
      ]);
    }
    const listed = await datamonOk(
      home,
      ...["diamond", "split", "list", "--repo", "results", "--diamond", diamond],
      ...["--format", "{{split}} {{state}} {{tag}}"],
    );
    assertEquals(listed.trim().split("\n"), ["w1 done pod-w1", "w2 done pod-w2"]);
    const commit = ["diamond", "commit", "--repo", "results", "--diamond", diamond];
    await datamonOk(home, ...commit, "--message", "fan-out", "--label", "merged");
    await datamonOk(
      home,
      ...["bundle", "download", "--repo", "results", "--label", "merged"],
      ...["--destination", `${dir}/check`],
    );
    await writeTree(`${dir}/expected`, { "w1/a.txt": "alpha\n", "w2/a.txt": "alpha\n" });
    await assertSameTree(`${dir}/expected`, `${dir}/check`);
  }));
