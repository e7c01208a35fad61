export declare const EXPECTED_FUSES: Record<string, boolean>;
export declare function checkFuses(executable: string): Promise<string[]>;
