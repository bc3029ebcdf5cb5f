export { isPostgresUrl, type OpenStoreOptions, openStore } from "./open.ts";
export type * from "./store.ts";
