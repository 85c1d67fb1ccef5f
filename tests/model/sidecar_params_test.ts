/** params.yaml of the sidecar: what it accepts, what it refuses, and the example's validity. */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { decodeSidecarParams, parseDuration } from "../../lib/model/sidecar_params.ts";
import { DatamonError } from "../../lib/errors.ts";

function refusal(text: string): string {
  try {
    decodeSidecarParams(text, "params");
  } catch (e) {
    if (e instanceof DatamonError && e.kind === "config") return e.message;
    throw e;
  }
  throw new Error("accepted");
}

Deno.test("examples/argo/params.yaml is a valid params file", async () => {
  const text = await Deno.readTextFile(new URL("../../examples/argo/params.yaml", import.meta.url));
  const params = decodeSidecarParams(text, "example");
  assertEquals(params.signals, "/shared/.datamon");
  assertEquals(params.context, "team");
  assertEquals(params.inputs.map((i) => [i.repo, i.mode, i.label]), [
    ["images", "mount", "production"],
    ["labels", "download", undefined],
  ]);
  assertEquals(params.outputs, [{
    path: "/shared/outputs/model",
    repo: "models",
    message: "trained on images@production",
    label: "candidate",
  }]);
  assertEquals(params.mainTimeoutMs, 6 * 3_600_000);
});

Deno.test("sidecar params default inputs to download and the main timeout to a day", () => {
  const params = decodeSidecarParams("signals: /s\ninputs: [{repo: r, path: /in}]\n", "params");
  assertEquals(params.inputs[0].mode, "download");
  assertEquals(params.outputs, []);
  assertEquals(params.mainTimeoutMs, 24 * 3_600_000);
});

Deno.test("sidecar params refuse both bundle and label, bad names, bad modes and nothing to do", () => {
  assertMatch(
    refusal("signals: /s\ninputs: [{repo: r, path: /i, bundle: x, label: l}]"),
    /inputs\[0\]: give "bundle" or "label", not both/,
  );
  assertMatch(refusal("signals: /s\ninputs: [{repo: 'a b', path: /i}]"), /inputs\[0\]: .*repo/);
  assertMatch(
    refusal("signals: /s\ninputs: [{repo: r, path: /i, mode: copy}]"),
    /"mode" must be mount or download/,
  );
  assertMatch(refusal("signals: /s\n"), /lists no inputs and no outputs/);
  assertMatch(refusal("inputs: [{repo: r, path: /i}]"), /"signals" must be a non-empty string/);
  assertMatch(
    refusal("signals: /s\noutputs: [{path: /o, repo: r, message: m}]\ntimeouts: {main: soon}"),
    /timeouts.main "soon" is not a duration/,
  );
});

Deno.test("durations are seconds, minutes or hours", () => {
  assertEquals(parseDuration("90s", "t"), 90_000);
  assertEquals(parseDuration("30m", "t"), 1_800_000);
  assertEquals(parseDuration("2h", "t"), 7_200_000);
  assertEquals(parseDuration(5, "t"), 5_000);
});

Deno.test("an output naming a diamond is a split, with no message or label, and a diamond id", () => {
  const diamond = "2kTgN7nEvKsTBAnQA2E0QzmHfYz";
  const params = decodeSidecarParams(
    `signals: /s\noutputs: [{path: /o, repo: r, diamond: ${diamond}, split: w1, splitTag: p}]`,
    "params",
  );
  assertEquals(params.outputs, [
    { path: "/o", repo: "r", diamond, split: "w1", splitTag: "p" },
  ]);
  assertMatch(
    refusal(`signals: /s\noutputs: [{path: /o, repo: r, diamond: ${diamond}, message: m}]`),
    /outputs\[0\]: unknown field "message" \(fields: path, repo, diamond, split, splitTag\)/,
  );
  assertMatch(
    refusal("signals: /s\noutputs: [{path: /o, repo: r, diamond: ../x}]"),
    /outputs\[0\]: "diamond" \.\.\/x is not a diamond id/,
  );
  assertMatch(
    refusal(`signals: /s\noutputs: [{path: /o, repo: r, diamond: ${diamond}, split: 'a b'}]`),
    /outputs\[0\]: .*split/,
  );
  assertMatch(
    refusal("signals: /s\noutputs: [{path: /o, repo: r, message: m, split: w1}]"),
    /unknown field "split" \(fields: path, repo, message, label, diamond\)/,
  );
});
