export { startServer } from "./server.ts";
export type {
  DashboardComparisonRow,
  DashboardControl,
  DashboardDeps,
  DashboardSnapshot,
  DashboardWallet,
  RunningServer,
  StreamOptions,
} from "./types.ts";
