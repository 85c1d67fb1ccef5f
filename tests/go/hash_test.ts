/**
 * Go datamon's hash against vectors from outside this code: Go datamon's own pkg/cafs test
 * constants, and keys that python3's hashlib.blake2b (which takes the tree parameters) computed
 * offline for the inputs below, with the node offsets and last-node flags of pkg/cafs/writer.go.
 */
import { assert } from "../support/assert.ts";
import { isKind } from "../../lib/errors.ts";
import {
  GO_KEY_BYTES,
  goFileObjects,
  goLeafKey,
  goLeafNode,
  goRootKey,
  goRootLeafKeys,
  goRootObject,
  hexOf,
} from "../../lib/cafs/go/hash.ts";
import { concatBytes } from "../../lib/util/bytes.ts";

/** Leaf size of Go datamon's pkg/cafs tests (mocks_test.go: 1.5 MiB). */
const CAFS_TEST_LEAF_SIZE = 1.5 * 1024 * 1024;

/** pkg/cafs/hasher_test.go, TestLeafHashes_Constants: leafHash and rootHash. */
const CAFS_LEAF =
  "907fd469f998570163a79d10cb30fb75e7733760e6d0f865f7e31db4f8e7cd6590fd7a3e70d522e310bf2476383face2f00a05bd0d5bedf1457cdfd0e28a04d6";
const CAFS_ROOT =
  "878fd79c0e47f2c7d3c512eb352d41397bedf2677cd5a5e68d582f7864d2f5fe78216d7ce465880b629bd73ec9ccd999d3958d7f5955fbdcc8afc9a743eb0dd8";

function bytesOfHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

Deno.test("goRootKey reproduces pkg/cafs hasher_test.go TestLeafHashes_Constants", () => {
  assert.equal(hexOf(goRootKey(bytesOfHex(CAFS_LEAF), CAFS_TEST_LEAF_SIZE)), CAFS_ROOT);
});

Deno.test("goRootLeafKeys accepts and rejects what TestLeafHashes_Constants's LeafKeys does", () => {
  const correct = bytesOfHex(CAFS_LEAF + CAFS_ROOT);
  assert.deepEqual(goRootLeafKeys(correct, CAFS_ROOT, CAFS_TEST_LEAF_SIZE, "f"), [CAFS_LEAF]);
  const wrong = new TextEncoder().encode(
    "ffahncyloc4ws8a3fu6je52qoynhi9vselmyxnusrrg6m2yv2mg3np0puazh2xql",
  );
  for (const [bytes, key] of [[bytesOfHex(CAFS_LEAF), CAFS_ROOT], [wrong, CAFS_LEAF]] as const) {
    assert.throws(
      () => goRootLeafKeys(bytes, key, CAFS_TEST_LEAF_SIZE, "f"),
      (e) => isKind(e, "integrity"),
    );
  }
});

/** Input bytes i = (31 i + 7) mod 256, hashed in 1024-byte leaves. */
const LEAF_SIZE = 1024;
function vectorInput(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 255);
}

const FULL_LEAF_0 =
  "81fa59058d82ff5055de05abcc8ec332ef17724ade5524ab890dcaa6adfe6e222d40373705d8de9bdee48f818cbd63c584acae6fef95a390030c42cc3aa4417c";
const FULL_LEAF_1 =
  "c2812b91f9adf05f2d4ef8e14a562051d7b5c451093432559fb282712ab1a68929e64ad2c1c6137d18ff6a0b6fe60d3bec16a030bd4d05ce42f69fc48b745d83";

/** Computed offline by python3 hashlib.blake2b(digest_size=64, fanout=0, depth=2, ...). */
const PYTHON_VECTORS: { size: number; leaves: string[]; root: string }[] = [
  {
    size: 0,
    leaves: [],
    root:
      "2d18ac2c40a0b284ec85146d53ff86bee51d54d3f8611069b278f5ec4bfc335351f058e185f6e08019d986efa7628d73907300de6ccb97442904d54336fb7fe5",
  },
  {
    size: 15,
    leaves: [
      "d93a25b655f7e95531a71c049ce4c4baafda9a343e5bd01b383b3c28df8b1631abbb253ae9e67d139776c8bb96c9769b800c5adf3562ae86241e5cf1254f832d",
    ],
    root:
      "586f350827e54c1e8d9ae432320c5533f678942940b9ba58444b04cf7a1cc671cb56e83b8fdd0d611e53b1d0713dd9c9acb3e01a714ae709d7c1311e20dcbc30",
  },
  {
    size: 1024,
    leaves: [FULL_LEAF_0],
    root:
      "06a47e0e61c3a9e7f4cab6a34728d8aff3127fa31e89daeda0891eca53d5034e0c00b254c342898f982a12a79d0230d3a030620ea0133d656206dd942fb6de6e",
  },
  {
    size: 1025,
    leaves: [
      FULL_LEAF_0,
      "aa85a0a0f6e8d73adee4f4792ed4db4b8ab67d66835c19d3f78d5dc58353049b69dfcb7f45dc8de7c56e9cec819b0e32fa6e11e8796ee6f0d263cacb8daadb35",
    ],
    root:
      "57b338d273e0827241ac5c078c7b8201297085d55d7b2886582e60bde9e158a9035bd54c006729856f3c83a81a23941e5f842c6739f31b8374b2edc8b3713d18",
  },
  {
    size: 2500,
    leaves: [
      FULL_LEAF_0,
      FULL_LEAF_1,
      "311da0bc003f6e83ccb0e46f263cd9fd1faf93ebccbce5bbf5e4fc63595d2fcac6f8ea568b686dc2c1184fbe9ca28df87f8e1270df2d9f9c3120dcd9db787430",
    ],
    root:
      "021ead70d6459f7cc66bb4b5975571ec2725e6bf5ac6ef782f353be8fcd04f7f80569f7a593eef35b1584e0507fc5d6edeb9f544e38395fa9e543548aa657275",
  },
  {
    size: 3072,
    leaves: [
      FULL_LEAF_0,
      FULL_LEAF_1,
      "59f121395e43110b714f09aa9f778d501e55811df13cd82b82fec9123ba9450f39117fd9e6b82128d114bb8331fac0302c0b93115d66bec0f1cf6ea5ba1581bf",
    ],
    root:
      "083fffabf6eebcd67d1614965843143e86c201ee4d128bb8963866b34298ed2b156a5a1381d659f7cbacb437421ee749f1fc48469c89b02dc884d5e570509ddc",
  },
];

for (const { size, leaves, root } of PYTHON_VECTORS) {
  Deno.test(`goFileObjects of ${size} bytes matches python3 hashlib's tree BLAKE2b`, () => {
    const objects = goFileObjects(vectorInput(size), LEAF_SIZE);
    assert.deepEqual(objects.leaves.map((leaf) => leaf.key), leaves);
    assert.equal(objects.root.key, root);
    assert.deepEqual(objects.root.bytes, concat(...[...leaves, root].map(bytesOfHex)));
  });
}

Deno.test("goLeafKey carries node offsets past 2^32 (python3 vector)", () => {
  const expected =
    "c981705782a117410a9f996b91026a17591985436de3596d6229b07f02b9856537532a1cdf662a7d8e17581c08c87ef288f532678a813c97fec91524b3f26a1b";
  assert.equal(hexOf(goLeafKey(vectorInput(LEAF_SIZE), LEAF_SIZE, 2 ** 32 + 4)), expected);
});

Deno.test("goLeafNode numbers full leaves from 1 and flags only a partial last leaf", () => {
  assert.deepEqual(goLeafNode(0, LEAF_SIZE, LEAF_SIZE), { nodeOffset: 1, lastNode: false });
  assert.deepEqual(goLeafNode(4, LEAF_SIZE, LEAF_SIZE), { nodeOffset: 5, lastNode: false });
  assert.deepEqual(goLeafNode(4, 10, LEAF_SIZE), { nodeOffset: 4, lastNode: true });
});

Deno.test("goRootLeafKeys returns the leaf keys of a root object goRootObject made", () => {
  const leafKeys = concat(bytesOfHex(FULL_LEAF_0), bytesOfHex(FULL_LEAF_1));
  const root = goRootObject(leafKeys, LEAF_SIZE);
  assert.equal(root.bytes.length, 3 * GO_KEY_BYTES);
  assert.deepEqual(goRootLeafKeys(root.bytes, root.key, LEAF_SIZE, "f"), [
    FULL_LEAF_0,
    FULL_LEAF_1,
  ]);
});

Deno.test("goRootLeafKeys rejects a torn, foreign or tampered root object naming the file", () => {
  const root = goRootObject(bytesOfHex(FULL_LEAF_0), LEAF_SIZE);
  const tampered = root.bytes.slice();
  tampered[3] ^= 1;
  const cases: [Uint8Array, string][] = [
    [root.bytes.subarray(0, 100), root.key],
    [root.bytes, FULL_LEAF_0],
    [tampered, root.key],
    [root.bytes, root.key.slice(0, -1) + (root.key.endsWith("0") ? "1" : "0")],
  ];
  for (const [bytes, key] of cases) {
    assert.throws(
      () => goRootLeafKeys(bytes, key, LEAF_SIZE, 'file "a/b.txt"'),
      (e) => isKind(e, "integrity") && /file "a\/b.txt"/.test((e as Error).message),
    );
  }
});

Deno.test("goFileObjects refuses a leaf size Go datamon would refuse", () => {
  assert.throws(() => goFileObjects(new Uint8Array(1), 63), RangeError);
  assert.throws(() => goFileObjects(new Uint8Array(1), 5 * 1024 * 1024 + 1), RangeError);
});
