/** The web view's Host check: its own address and loopback names pass, other names do not. */
import { assertEquals } from "../support/assert.ts";
import { hostIsOwn } from "../../lib/web/host_check.ts";

const loopback: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8080 };
const wildcard: Deno.NetAddr = { transport: "tcp", hostname: "0.0.0.0", port: 8080 };
const lan: Deno.NetAddr = { transport: "tcp", hostname: "192.168.1.5", port: 8080 };

Deno.test("a loopback server accepts its address and the loopback names on its port only", () => {
  for (const host of ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080"]) {
    assertEquals(hostIsOwn(host, loopback, "127.0.0.1"), true, host);
  }
  for (
    const host of ["evil.example:8080", "127.0.0.1:8081", "localhost", "", "127.0.0.1.evil:8080"]
  ) {
    assertEquals(hostIsOwn(host, loopback, "127.0.0.1"), false, host);
  }
  assertEquals(hostIsOwn(null, loopback, "127.0.0.1"), false, "no Host header");
});

Deno.test("a server on another address accepts that address and the name it was given", () => {
  assertEquals(hostIsOwn("192.168.1.5:8080", lan, "192.168.1.5"), true);
  assertEquals(hostIsOwn("box.lan:8080", lan, "box.lan"), true);
  assertEquals(hostIsOwn("localhost:8080", lan, "box.lan"), false);
  assertEquals(hostIsOwn("evil.example:8080", lan, "box.lan"), false);
});

Deno.test("a wildcard server accepts IP addresses and localhost, never another name", () => {
  assertEquals(hostIsOwn("10.0.0.7:8080", wildcard, "0.0.0.0"), true);
  assertEquals(hostIsOwn("[fe80::1]:8080", wildcard, "0.0.0.0"), true);
  assertEquals(hostIsOwn("localhost:8080", wildcard, "0.0.0.0"), true);
  assertEquals(hostIsOwn("rebind.evil.example:8080", wildcard, "0.0.0.0"), false);
});
