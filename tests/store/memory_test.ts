/** The in-memory store keeps the contract every backend keeps. */
import { MemoryStore } from "../../lib/store/memory.ts";
import { storeContract } from "./contract.ts";

storeContract(
  "memory",
  () => Promise.resolve({ store: new MemoryStore(), cleanup: () => Promise.resolve() }),
);
