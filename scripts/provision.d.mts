export interface Need {
  name: string;
  env: string;
  path: string;
  pkg: string;
}
export declare const NEEDS: readonly Need[];
export type Decision =
  | { action: "ok" }
  | { action: "install"; packages: string[] }
  | { action: "fail"; message: string };
export declare function decide(input: {
  present: Record<string, boolean>;
  uid: number;
  apt: boolean;
}): Decision;
